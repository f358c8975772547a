package stats

// A Verdict is what an interval says about a claim with a threshold.
type Verdict string

// The verdicts. NotJudged is for a claim whose figures are missing.
const (
	Yes       Verdict = "yes"
	No        Verdict = "no"
	Undecided Verdict = "undecided"
	NotJudged Verdict = "n/a"
)

// AtLeast judges "the figure is at least t": yes when the whole interval
// is at or above t, no when the whole interval is below it, undecided when
// it straddles t (or has no bounds).
func AtLeast(iv Interval, t float64) Verdict {
	switch {
	case iv.Lo >= t:
		return Yes
	case iv.Hi < t:
		return No
	}
	return Undecided
}

// AtMost judges "the figure is at most t", as AtLeast.
func AtMost(iv Interval, t float64) Verdict {
	switch {
	case iv.Hi <= t:
		return Yes
	case iv.Lo > t:
		return No
	}
	return Undecided
}

// All is the verdict on every one of vs holding: no when one is no, yes
// when all are yes, undecided otherwise. All of nothing is NotJudged.
func All(vs ...Verdict) Verdict {
	if len(vs) == 0 {
		return NotJudged
	}
	out := Yes
	for _, v := range vs {
		switch v {
		case No:
			return No
		case Undecided, NotJudged:
			out = Undecided
		}
	}
	return out
}

// Any is the verdict on one of vs holding at least: yes when one is yes,
// no when all are no, undecided otherwise. Any of nothing is NotJudged.
func Any(vs ...Verdict) Verdict {
	if len(vs) == 0 {
		return NotJudged
	}
	out := No
	for _, v := range vs {
		switch v {
		case Yes:
			return Yes
		case Undecided, NotJudged:
			out = Undecided
		}
	}
	return out
}
