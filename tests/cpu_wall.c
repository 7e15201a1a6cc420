/* cpu_wall CMD [ARGS...]: runs CMD and prints "CPU_S WALL_S RATIO", its
 * CPU time (user + system, from wait4) over its wall time: about 1 for a
 * program that runs one thread at a time, up to the core count otherwise.
 * Exits with CMD's status (127 when it cannot start, 1 when killed). */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds(struct timeval t) { return (double)t.tv_sec + t.tv_usec * 1e-6; }

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: cpu_wall CMD [ARGS...]\n");
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0) {
        perror("cpu_wall: fork");
        return 1;
    }
    if (pid == 0) {
        dup2(STDERR_FILENO, STDOUT_FILENO);   /* stdout carries only the figures */
        execvp(argv[1], argv + 1);
        perror("cpu_wall: exec");
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid) {
        perror("cpu_wall: wait4");
        return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    const double wall = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
    const double cpu = seconds(ru.ru_utime) + seconds(ru.ru_stime);
    printf("%.3f %.3f %.3f\n", cpu, wall, wall > 0 ? cpu / wall : 0.0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
