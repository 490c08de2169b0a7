/* spawn-time: runs commands many times, interleaved, each with a file on stdin fed through a
 * pipe as libvirt feeds hooks (their stdout goes to /dev/null), and prints the median wall
 * time of each in microseconds.
 * Interleaving keeps the comparison fair on a noisy machine. A command whose first word is
 * <FILE gets FILE on its stdin instead of STDIN-FILE.
 *
 *   spawn-time ROUNDS STDIN-FILE -- CMD1 ARGS... -- [<FILE] CMD2 ARGS... */
#include "config.h"

#include <fcntl.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

static gint64
run_once(char **argv, const char *input, gsize length)
{
    gint64 start = g_get_monotonic_time();
    int in[2];
    pid_t pid;
    int status;

    if (pipe(in) < 0)
        exit(2);
    pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);

        /* What the command prints is not ours to print: only the times are. */
        if (null < 0 || dup2(null, STDOUT_FILENO) < 0)
            _exit(126);
        close(null);
        dup2(in[0], STDIN_FILENO);
        close(in[0]);
        close(in[1]);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(in[0]);
    /* A hook may exit without reading its input: like libvirt, ignore EPIPE. */
    if (write(in[1], input, length) < 0) {
    }
    close(in[1]);
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "spawn-time: %s failed\n", argv[0]);
        exit(1);
    }
    return g_get_monotonic_time() - start;
}

static int
compare_gint64(gconstpointer a, gconstpointer b)
{
    gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;

    return x < y ? -1 : x > y;
}

typedef struct {
    char **argv;
    char *input;
    gsize length;
} Command;

static void
command_free(Command *command)
{
    g_free(command->input);
    g_free(command);
}

static Command *
command_new(char **argv, const char *default_input)
{
    Command *command = g_new0(Command, 1);
    const char *file = default_input;

    if (argv[0] && argv[0][0] == '<')
        file = *argv++ + 1;
    command->argv = argv;
    if (!argv[0] || !g_file_get_contents(file, &command->input, &command->length, NULL)) {
        fprintf(stderr, "spawn-time: cannot read %s, or no command\n", file);
        exit(2);
    }
    return command;
}

int
main(int argc, char **argv)
{
    g_autoptr(GPtrArray) commands = g_ptr_array_new_with_free_func((GDestroyNotify)command_free);
    GPtrArray *starts = g_ptr_array_new();
    int rounds;

    if (argc < 5 || strcmp(argv[3], "--") != 0) {
        fprintf(stderr, "usage: spawn-time ROUNDS STDIN-FILE -- CMD... [-- CMD...]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    rounds = atoi(argv[1]);
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            argv[i] = NULL;
            if (i + 1 < argc)
                g_ptr_array_add(starts, &argv[i + 1]);
        }
    }
    for (guint c = 0; c < starts->len; c++)
        g_ptr_array_add(commands, command_new(starts->pdata[c], argv[2]));
    g_ptr_array_free(starts, TRUE);
    {
        g_autofree gint64 *times = g_new0(gint64, (gsize)commands->len * rounds);

        for (int r = 0; r < rounds; r++) {
            for (guint c = 0; c < commands->len; c++) {
                const Command *command = commands->pdata[c];

                times[c * rounds + r] = run_once(command->argv, command->input, command->length);
            }
        }
        for (guint c = 0; c < commands->len; c++) {
            qsort(&times[c * rounds], rounds, sizeof(gint64), compare_gint64);
            printf("%" G_GINT64_FORMAT "\n", times[c * rounds + rounds / 2]);
        }
    }
    return 0;
}
