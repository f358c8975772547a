//! rayonmap: a multi-threaded HashMap workload on rayon.
//!
//! Usage: rayonmap SIZE THREADS [ROUNDS]
//!
//! Every round splits 0..SIZE into chunks; each rayon task counts words in
//! a HashMap<String, u64> of its own (a String per item, most of them
//! dropped at once because the key is already there), and the maps are
//! merged pairwise by rayon's reduce, so that keys allocated on one thread
//! are moved and freed on another. The program prints a checksum that
//! depends only on SIZE and ROUNDS, not on THREADS or the scheduling.

use rayon::prelude::*;
use std::collections::HashMap;
use std::env;
use std::process;

const CHUNK: usize = 2048;

/// A fixed mixing function (splitmix64's finaliser), so the keys do not
/// depend on the standard library's random hasher seed.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The word of item i in round r: one of `distinct` keys, skewed so some
/// are common and many are rare, of varying length.
fn word(i: u64, r: u64, distinct: u64) -> String {
    let h = mix(i ^ (r << 40));
    let k = (h % distinct) & (h >> 20) % distinct;
    let len = 4 + (mix(k) % 28) as usize;
    let mut s = format!("w{:x}-", k);
    while s.len() < len {
        s.push((b'a' + (mix(k + s.len() as u64) % 26) as u8) as char);
    }
    s
}

fn count(lo: u64, hi: u64, r: u64, distinct: u64) -> HashMap<String, u64> {
    let mut m = HashMap::new();
    for i in lo..hi {
        *m.entry(word(i, r, distinct)).or_insert(0) += 1;
    }
    m
}

fn merge(mut a: HashMap<String, u64>, b: HashMap<String, u64>) -> HashMap<String, u64> {
    if a.len() < b.len() {
        return merge(b, a);
    }
    for (k, v) in b {
        *a.entry(k).or_insert(0) += v;
    }
    a
}

/// An order-independent digest of a map.
fn digest(m: &HashMap<String, u64>) -> u64 {
    m.iter().fold(0u64, |acc, (k, v)| {
        let kh = k.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
        });
        acc.wrapping_add(mix(kh ^ *v))
    })
}

fn parse(name: &str, s: &str) -> usize {
    match s.parse::<usize>() {
        Ok(n) if n > 0 => n,
        _ => {
            eprintln!("rayonmap: {} must be a positive whole number, not {:?}", name, s);
            process::exit(2);
        }
    }
}

fn main() {
    let args: Vec<String> = env::args().collect();
    if args.len() < 3 || args.len() > 4 {
        eprintln!("usage: rayonmap SIZE THREADS [ROUNDS]");
        process::exit(2);
    }
    let size = parse("SIZE", &args[1]) as u64;
    let threads = parse("THREADS", &args[2]);
    let rounds = if args.len() == 4 { parse("ROUNDS", &args[3]) as u64 } else { 4 };
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("rayonmap: cannot start {} threads: {}", threads, e);
            process::exit(1);
        }
    };
    let distinct = (size / 8).max(1);
    let chunks: Vec<u64> = (0..(size + CHUNK as u64 - 1) / CHUNK as u64).collect();
    let mut sum = 0u64;
    let mut keys = 0usize;
    pool.install(|| {
        for r in 0..rounds {
            let m = chunks
                .par_iter()
                .map(|&c| count(c * CHUNK as u64, ((c + 1) * CHUNK as u64).min(size), r, distinct))
                .reduce(HashMap::new, merge);
            sum = sum.wrapping_add(digest(&m));
            keys += m.len();
        }
    });
    println!("rayonmap size={} rounds={} keys={} checksum={:016x}", size, rounds, keys, sum);
}
