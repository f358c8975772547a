// contend is the program the tests of package program run: threads that
// malloc, free and contend on a mutex; its exit status is argv[1], and
// argv[2] picks what else it does:
//   fork        a child process does the contending, the parent waits
//   sleepchild  prints its child's pid and its own, both sleep for long
//   flood       writes 4 MiB to stdout
//   long        contends 20 times longer
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long shared;
static int iterations = 20000;
static void *work(void *arg) {
	for (int i = 0; i < iterations; i++) {
		void *p = malloc(16 + i % 512);
		memset(p, 1, 16);
		pthread_mutex_lock(&mu);
		shared++;
		for (volatile int k = 0; k < 50; k++);
		pthread_mutex_unlock(&mu);
		free(p);
	}
	return 0;
}
static void contend(int n) {
	pthread_t t[8];
	for (int i = 0; i < n; i++) pthread_create(&t[i], 0, work, 0);
	for (int i = 0; i < n; i++) pthread_join(t[i], 0);
}
int main(int argc, char **argv) {
	int code = argc > 1 ? atoi(argv[1]) : 0;
	const char *mode = argc > 2 ? argv[2] : "";
	if (!strcmp(mode, "fork")) {
		pid_t c = fork();
		if (c == 0) { contend(4); _exit(0); }
		waitpid(c, 0, 0);
	} else if (!strcmp(mode, "sleepchild")) {
		pid_t c = fork();
		if (c == 0) { printf("child %d\n", getpid()); fflush(stdout); sleep(1000); _exit(0); }
		printf("child %d\n", c); fflush(stdout);
		sleep(1000);
	} else if (!strcmp(mode, "flood")) {
		static char buf[1 << 16];
		memset(buf, 'x', sizeof buf);
		for (int i = 0; i < 64; i++) fwrite(buf, 1, sizeof buf, stdout);
		contend(1);
	} else if (!strcmp(mode, "long")) {
		iterations *= 20;
		contend(4);
	} else {
		contend(4);
	}
	return code;
}
