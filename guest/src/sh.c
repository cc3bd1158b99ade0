/*
 * sh: a small shell of real use on the XINIM console.
 *
 *   sh [-i] [-c command | script [arg...]]
 *
 * Command lines with words and quotes ('...', "...", \), variables ($NAME, ${NAME}, $?, $$,
 * $!, $0..$9), lists with ; & && ||, pipelines |, redirections < > >> 2> 2>> 2>&1, comments #,
 * and globbing (* ? [..]) in the last component of a word.
 * Builtins: cd, exit, wait, export, unset, pwd, help; NAME=value assigns.
 *
 * Job control (interactive only): every pipeline runs in its own process group; a
 * foreground one is made the console's foreground group (TIOCSPGRP), so Ctrl-C, which the
 * console turns into SIGINT for the foreground group, reaches the job and not the shell.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xinim/xinim.h>

extern int __sig_to_linux(int psig);

#define MAX_LINE 1024
#define MAX_TOKENS 128
#define MAX_CMDS 16
#define MAX_ARGS 64
#define MAX_BG 32

enum tok {
    T_WORD, T_SEMI, T_AMP, T_PIPE, T_AND, T_OR,
    T_IN, T_OUT, T_APPEND, T_ERR_OUT, T_ERR_APPEND, T_ERR_TO_OUT, T_END,
};

struct token {
    enum tok kind;
    char *text;
};

struct redir {
    enum tok kind;
    const char *path;
};

struct command {
    char *argv[MAX_ARGS];
    int argc;
    struct redir redirs[8];
    int nredirs;
};

static int interactive;
static pid_t shell_pgid;
static int last_status;
static pid_t last_bg;
static pid_t bg_pids[MAX_BG];
static int script_argc;
static char **script_argv;
static volatile sig_atomic_t got_sigint;

/* ---------------------------------------------------------------- input */

struct input {
    int fd;
    const char *str; /* -c: the command string instead of fd */
    char buf[512];
    int pos, len;
};

/* Returns the line length, -1 at end of input, -2 when interrupted by Ctrl-C. */
static int read_line(struct input *in, char *line, int max)
{
    int n = 0;
    if (in->str) {
        if (!*in->str) return -1;
        while (*in->str && *in->str != '\n' && n < max - 1) line[n++] = *in->str++;
        if (*in->str == '\n') in->str++;
        line[n] = 0;
        return n;
    }
    for (;;) {
        if (in->pos == in->len) {
            ssize_t r = read(in->fd, in->buf, sizeof in->buf);
            if (r < 0 && errno == EINTR) {
                if (got_sigint) {
                    got_sigint = 0;
                    return -2;
                }
                continue;
            }
            if (r <= 0) {
                if (n == 0) return -1;
                break;
            }
            in->pos = 0;
            in->len = (int)r;
        }
        char c = in->buf[in->pos++];
        if (c == '\n') break;
        if (n < max - 1) line[n++] = c;
    }
    line[n] = 0;
    return n;
}

/* ---------------------------------------------------------------- lexer with expansion */

static char arena[MAX_LINE * 4];
static int arena_used;

static int is_name_char(char c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

static void put_str(char **out, char *end, const char *s)
{
    while (*s && *out < end) *(*out)++ = *s++;
}

/* Expand the variable at *p (just after '$'); append its value to out. */
static void expand_var(const char **p, char **out, char *end)
{
    char num[16];
    const char *s = *p;
    if (*s == '?') {
        snprintf(num, sizeof num, "%d", last_status);
        put_str(out, end, num);
        *p = s + 1;
        return;
    }
    if (*s == '$') {
        snprintf(num, sizeof num, "%d", (int)getpid());
        put_str(out, end, num);
        *p = s + 1;
        return;
    }
    if (*s == '!') {
        if (last_bg) {
            snprintf(num, sizeof num, "%d", (int)last_bg);
            put_str(out, end, num);
        }
        *p = s + 1;
        return;
    }
    if (*s == '#') {
        snprintf(num, sizeof num, "%d", script_argc > 0 ? script_argc - 1 : 0);
        put_str(out, end, num);
        *p = s + 1;
        return;
    }
    if (*s >= '0' && *s <= '9') {
        int i = *s - '0';
        if (i < script_argc) put_str(out, end, script_argv[i]);
        *p = s + 1;
        return;
    }
    char name[64];
    int n = 0;
    int braced = *s == '{';
    if (braced) s++;
    while (is_name_char(*s) && n < (int)sizeof name - 1) name[n++] = *s++;
    name[n] = 0;
    if (braced) {
        if (*s == '}') s++;
    }
    if (n == 0 && !braced) {
        put_str(out, end, "$"); /* a lone $ is literal */
        *p = s;
        return;
    }
    const char *v = getenv(name);
    if (v) put_str(out, end, v);
    *p = s;
}

/*
 * Expand one raw word (quotes, backslashes, variables) into the arena. Done when the
 * pipeline that holds the word is about to run, so `X=1; echo $X` and `false; echo $?`
 * see the effects of the commands before them.
 */
static char *expand_word(const char *s)
{
    char *out = arena + arena_used, *start = out, *end = arena + sizeof arena - 1;
    while (*s) {
        if (*s == '\'') {
            for (s++; *s && *s != '\''; s++)
                if (out < end) *out++ = *s;
            if (*s) s++;
        } else if (*s == '"') {
            s++;
            while (*s && *s != '"') {
                if (*s == '\\' && s[1] && strchr("\"\\$", s[1])) { if (out < end) *out++ = s[1]; s += 2; }
                else if (*s == '$') { s++; expand_var(&s, &out, end); }
                else { if (out < end) *out++ = *s; s++; }
            }
            if (*s) s++;
        } else if (*s == '\\') {
            if (s[1]) { if (out < end) *out++ = s[1]; s += 2; }
            else s++;
        } else if (*s == '$') {
            s++;
            expand_var(&s, &out, end);
        } else {
            if (out < end) *out++ = *s;
            s++;
        }
    }
    *out++ = 0;
    arena_used = (int)(out - arena);
    return start;
}

/* Split a line into tokens; words keep their quotes until expand_word. Returns the count,
 * or -1 with a message on a syntax error. */
static char raw_arena[MAX_LINE * 2];

static int tokenize(const char *s, struct token *toks, int max)
{
    int n = 0, raw_used = 0;
    for (;;) {
        while (*s == ' ' || *s == '\t') s++;
        if (!*s || *s == '#') break;
        if (n >= max - 1) {
            fprintf(stderr, "sh: line too complex\n");
            return -1;
        }
        struct token *t = &toks[n];
        t->text = NULL;
        if (s[0] == '2' && s[1] == '>') {
            if (s[2] == '&' && s[3] == '1') { t->kind = T_ERR_TO_OUT; s += 4; }
            else if (s[2] == '>') { t->kind = T_ERR_APPEND; s += 3; }
            else { t->kind = T_ERR_OUT; s += 2; }
            n++;
            continue;
        }
        switch (*s) {
        case ';': t->kind = T_SEMI; s++; n++; continue;
        case '&': if (s[1] == '&') { t->kind = T_AND; s += 2; } else { t->kind = T_AMP; s++; } n++; continue;
        case '|': if (s[1] == '|') { t->kind = T_OR; s += 2; } else { t->kind = T_PIPE; s++; } n++; continue;
        case '<': t->kind = T_IN; s++; n++; continue;
        case '>': if (s[1] == '>') { t->kind = T_APPEND; s += 2; } else { t->kind = T_OUT; s++; } n++; continue;
        default: break;
        }
        /* A word runs until an unquoted blank or operator. */
        const char *w = s;
        while (*s && !strchr(" \t;&|<>", *s)) {
            if (*s == '\'' || *s == '"') {
                char q = *s;
                const char *close = s + 1;
                while (*close && *close != q) close += (q == '"' && *close == '\\' && close[1]) ? 2 : 1;
                if (!*close) {
                    fprintf(stderr, "sh: unterminated %c\n", q);
                    return -1;
                }
                s = close + 1;
            } else if (*s == '\\' && s[1]) {
                s += 2;
            } else {
                s++;
            }
        }
        size_t len = (size_t)(s - w);
        if (raw_used + (int)len + 1 > (int)sizeof raw_arena) {
            fprintf(stderr, "sh: line too long\n");
            return -1;
        }
        t->kind = T_WORD;
        t->text = raw_arena + raw_used;
        memcpy(t->text, w, len);
        t->text[len] = 0;
        raw_used += (int)len + 1;
        n++;
    }
    toks[n].kind = T_END;
    toks[n].text = NULL;
    return n;
}

/* Does the raw word have a glob character outside quotes? */
static int has_glob(const char *s)
{
    for (char q = 0; *s; s++) {
        if (q) {
            if (*s == q) q = 0;
        } else if (*s == '\'' || *s == '"') {
            q = *s;
        } else if (*s == '\\' && s[1]) {
            s++;
        } else if (*s == '*' || *s == '?' || *s == '[') {
            return 1;
        }
    }
    return 0;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/*
 * Replace the pattern `word` (already expanded, at argv[*argc - 1]) by the sorted names that
 * match its last component; leave it as it is when nothing matches, as POSIX shells do.
 */
static void glob_into(char **argv, int *argc, int max)
{
    char *word = argv[*argc - 1];
    char *slash = strrchr(word, '/');
    const char *pat = slash ? slash + 1 : word;
    char dir[256];
    if (slash) snprintf(dir, sizeof dir, "%.*s", (int)(slash - word) + (slash == word), word);
    else strcpy(dir, ".");
    DIR *d = opendir(dir);
    if (!d) return;
    int first = *argc - 1, n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && first + n < max - 1) {
        if (e->d_name[0] == '.' && pat[0] != '.') continue;
        if (fnmatch(pat, e->d_name, 0) != 0) continue;
        size_t len = (slash ? (size_t)(slash - word) + 1 : 0) + strlen(e->d_name) + 1;
        if (arena_used + (int)len > (int)sizeof arena) break;
        char *m = arena + arena_used;
        snprintf(m, len, "%.*s%s", slash ? (int)(slash - word) + 1 : 0, word, e->d_name);
        arena_used += (int)len;
        argv[first + n++] = m;
    }
    closedir(d);
    if (n == 0) {
        argv[first] = word;
        return;
    }
    qsort(argv + first, (size_t)n, sizeof argv[0], by_name);
    *argc = first + n;
}

/* ---------------------------------------------------------------- builtins */

static int is_assignment(const char *w)
{
    if (!(*w == '_' || (*w >= 'a' && *w <= 'z') || (*w >= 'A' && *w <= 'Z'))) return 0;
    while (is_name_char(*w)) w++;
    return *w == '=';
}

static void assign(char *w)
{
    char *eq = strchr(w, '=');
    *eq = 0;
    setenv(w, eq + 1, 1);
    *eq = '=';
}

static void remember_bg(pid_t pid)
{
    for (int i = 0; i < MAX_BG; i++)
        if (!bg_pids[i]) {
            bg_pids[i] = pid;
            return;
        }
}

static int forget_bg(pid_t pid)
{
    for (int i = 0; i < MAX_BG; i++)
        if (bg_pids[i] == pid) {
            bg_pids[i] = 0;
            return 1;
        }
    return 0;
}

static int status_code(int status)
{
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + __sig_to_linux(WTERMSIG(status));
    return 1;
}

static void report_signal(int status)
{
    if (!interactive || !WIFSIGNALED(status)) return;
    int sig = WTERMSIG(status);
    /* The console already echoed "^C" and a newline. */
    if (sig != SIGINT) printf("%s\n", strsignal(sig));
}

static int builtin_wait(int argc, char **argv)
{
    int status = 0;
    if (argc > 1) {
        pid_t pid = (pid_t)atoi(argv[1]);
        while (waitpid(pid, &status, 0) < 0) {
            if (errno == EINTR) continue;
            fprintf(stderr, "wait: %s: %s\n", argv[1], strerror(errno));
            return 127;
        }
        forget_bg(pid);
        return status_code(status);
    }
    for (;;) {
        pid_t p = wait(&status);
        if (p < 0) {
            if (errno == EINTR) {
                if (got_sigint) { got_sigint = 0; return 130; }
                continue;
            }
            return 0; /* ECHILD: nothing left */
        }
        forget_bg(p);
    }
}

/* Runs a builtin if argv[0] is one; returns -1 if it is not. */
static int run_builtin(int argc, char **argv)
{
    const char *c = argv[0];
    if (!strcmp(c, "cd")) {
        const char *dir = argc > 1 ? argv[1] : getenv("HOME");
        if (!dir) dir = "/";
        if (chdir(dir) < 0) {
            fprintf(stderr, "cd: %s: %s\n", dir, strerror(errno));
            return 1;
        }
        char cwd[256];
        if (getcwd(cwd, sizeof cwd)) setenv("PWD", cwd, 1);
        return 0;
    }
    if (!strcmp(c, "pwd")) {
        char cwd[256];
        if (!getcwd(cwd, sizeof cwd)) {
            fprintf(stderr, "pwd: %s\n", strerror(errno));
            return 1;
        }
        puts(cwd);
        return 0;
    }
    if (!strcmp(c, "exit")) {
        fflush(stdout);
        exit(argc > 1 ? atoi(argv[1]) : last_status);
    }
    if (!strcmp(c, "wait")) return builtin_wait(argc, argv);
    if (!strcmp(c, "export")) {
        for (int i = 1; i < argc; i++)
            if (is_assignment(argv[i])) assign(argv[i]);
        if (argc == 1)
            for (char **e = environ; e && *e; e++) printf("export %s\n", *e);
        return 0;
    }
    if (!strcmp(c, "unset")) {
        for (int i = 1; i < argc; i++) unsetenv(argv[i]);
        return 0;
    }
    if (!strcmp(c, "help")) {
        puts("builtins: cd [dir], pwd, exit [n], wait [pid], export [NAME=value...], unset NAME..., help");
        puts("syntax: cmd args; cmd & ; a && b ; a || b ; a | b ; < in > out >> append 2> err 2>&1 ; $VAR $? $$ $!");
        return 0;
    }
    return -1;
}

static int is_builtin(const char *c)
{
    return !strcmp(c, "cd") || !strcmp(c, "pwd") || !strcmp(c, "exit") || !strcmp(c, "wait") ||
           !strcmp(c, "export") || !strcmp(c, "unset") || !strcmp(c, "help");
}

/* ---------------------------------------------------------------- execution */

static int apply_redirs(const struct command *cmd)
{
    for (int i = 0; i < cmd->nredirs; i++) {
        const struct redir *r = &cmd->redirs[i];
        int fd = -1, target;
        switch (r->kind) {
        case T_IN: fd = open(r->path, O_RDONLY); target = 0; break;
        case T_OUT: fd = open(r->path, O_WRONLY | O_CREAT | O_TRUNC, 0644); target = 1; break;
        case T_APPEND: fd = open(r->path, O_WRONLY | O_CREAT | O_APPEND, 0644); target = 1; break;
        case T_ERR_OUT: fd = open(r->path, O_WRONLY | O_CREAT | O_TRUNC, 0644); target = 2; break;
        case T_ERR_APPEND: fd = open(r->path, O_WRONLY | O_CREAT | O_APPEND, 0644); target = 2; break;
        case T_ERR_TO_OUT:
            if (dup2(1, 2) < 0) return -1;
            continue;
        default: continue;
        }
        if (fd < 0) {
            fprintf(stderr, "sh: %s: %s\n", r->path, strerror(errno));
            return -1;
        }
        if (fd != target) {
            dup2(fd, target);
            close(fd);
        }
    }
    return 0;
}

__attribute__((noreturn)) static void exec_command(struct command *cmd)
{
    int first = 0;
    while (first < cmd->argc && is_assignment(cmd->argv[first])) assign(cmd->argv[first++]);
    if (first == cmd->argc) _exit(0);
    char **argv = cmd->argv + first;
    int argc = cmd->argc - first;
    if (is_builtin(argv[0])) {
        int r = run_builtin(argc, argv);
        fflush(stdout);
        _exit(r);
    }
    execvp(argv[0], argv);
    int e = errno;
    fprintf(stderr, "sh: %s: %s\n", argv[0], e == ENOENT ? "command not found" : strerror(e));
    _exit(e == ENOENT ? 127 : 126);
}

/* Run a pipeline; returns its status code (for background: 0). */
static int run_pipeline(struct command *cmds, int ncmds, int background)
{
    /* A lone builtin or assignment runs in the shell itself, so cd and exit take effect. */
    if (ncmds == 1 && !background && cmds[0].argc > 0) {
        struct command *c = &cmds[0];
        int all_assign = 1;
        for (int i = 0; i < c->argc; i++) all_assign &= is_assignment(c->argv[i]);
        if (all_assign && c->nredirs == 0) {
            for (int i = 0; i < c->argc; i++) assign(c->argv[i]);
            return 0;
        }
        if (is_builtin(c->argv[0]) && c->nredirs == 0) return run_builtin(c->argc, c->argv);
    }

    pid_t pids[MAX_CMDS];
    pid_t pgid = 0;
    int prev_read = -1;
    for (int i = 0; i < ncmds; i++) {
        int pfd[2] = {-1, -1};
        if (i < ncmds - 1 && pipe(pfd) < 0) {
            fprintf(stderr, "sh: pipe: %s\n", strerror(errno));
            break;
        }
        fflush(stdout);
        fflush(stderr);
        pid_t pid = fork();
        if (pid < 0) {
            fprintf(stderr, "sh: fork: %s\n", strerror(errno));
            if (pfd[0] >= 0) { close(pfd[0]); close(pfd[1]); }
            ncmds = i;
            break;
        }
        if (pid == 0) {
            if (interactive) {
                setpgid(0, pgid);
                if (!background) tcsetpgrp(0, getpgrp());
                signal(SIGTTOU, SIG_DFL);
                signal(SIGTTIN, SIG_DFL);
                signal(SIGTSTP, SIG_DFL);
            }
            signal(SIGINT, SIG_DFL);
            if (prev_read >= 0) {
                dup2(prev_read, 0);
                close(prev_read);
            }
            if (pfd[1] >= 0) {
                dup2(pfd[1], 1);
                close(pfd[0]);
                close(pfd[1]);
            }
            if (apply_redirs(&cmds[i]) < 0) _exit(1);
            exec_command(&cmds[i]);
        }
        if (interactive) {
            if (!pgid) pgid = pid;
            setpgid(pid, pgid);
        }
        pids[i] = pid;
        if (prev_read >= 0) close(prev_read);
        if (pfd[1] >= 0) close(pfd[1]);
        prev_read = pfd[0];
    }
    if (prev_read >= 0) close(prev_read);
    if (ncmds == 0) return 1;

    if (background) {
        last_bg = pids[ncmds - 1];
        for (int i = 0; i < ncmds; i++) remember_bg(pids[i]);
        if (interactive) printf("[%d]\n", (int)last_bg);
        return 0;
    }

    if (interactive) tcsetpgrp(0, pgid);
    int status = 0, last = 0;
    for (int i = 0; i < ncmds; i++) {
        while (waitpid(pids[i], &status, 0) < 0)
            if (errno != EINTR) break;
        if (i == ncmds - 1) last = status;
    }
    if (interactive) tcsetpgrp(0, shell_pgid);
    got_sigint = 0;
    report_signal(last);
    return status_code(last);
}

/* Parse and run one line. */
static void run_line(char *line)
{
    static struct token toks[MAX_TOKENS];
    int n = tokenize(line, toks, MAX_TOKENS);
    if (n <= 0) {
        if (n < 0) last_status = 2;
        return;
    }
    static struct command cmds[MAX_CMDS];
    int i = 0;
    enum tok pending = T_SEMI; /* how the previous pipeline connects to this one */
    while (toks[i].kind != T_END) {
        arena_used = 0; /* the previous pipeline's words are no longer needed */
        int ncmds = 0;
        memset(&cmds[0], 0, sizeof cmds[0]);
        enum tok sep = T_END;
        for (;; i++) {
            struct token *t = &toks[i];
            struct command *c = &cmds[ncmds];
            if (t->kind == T_WORD) {
                if (c->argc < MAX_ARGS - 1) {
                    c->argv[c->argc++] = expand_word(t->text);
                    if (has_glob(t->text)) glob_into(c->argv, &c->argc, MAX_ARGS);
                }
                continue;
            }
            if (t->kind == T_IN || t->kind == T_OUT || t->kind == T_APPEND || t->kind == T_ERR_OUT ||
                t->kind == T_ERR_APPEND) {
                if (toks[i + 1].kind != T_WORD) {
                    fprintf(stderr, "sh: syntax error: redirection without a file\n");
                    last_status = 2;
                    return;
                }
                if (c->nredirs < 8) c->redirs[c->nredirs++] = (struct redir){t->kind, expand_word(toks[i + 1].text)};
                i++;
                continue;
            }
            if (t->kind == T_ERR_TO_OUT) {
                if (c->nredirs < 8) c->redirs[c->nredirs++] = (struct redir){t->kind, NULL};
                continue;
            }
            if (t->kind == T_PIPE) {
                if (c->argc == 0 || ncmds + 1 >= MAX_CMDS) {
                    fprintf(stderr, "sh: syntax error near |\n");
                    last_status = 2;
                    return;
                }
                ncmds++;
                memset(&cmds[ncmds], 0, sizeof cmds[ncmds]);
                continue;
            }
            sep = t->kind; /* ; & && || or end */
            if (t->kind != T_END) i++;
            break;
        }
        if (cmds[ncmds].argc == 0) {
            if (ncmds > 0 || cmds[0].nredirs > 0 || sep != T_SEMI) {
                if (!(ncmds == 0 && cmds[0].nredirs == 0 && sep == T_END)) {
                    fprintf(stderr, "sh: syntax error: empty command\n");
                    last_status = 2;
                    return;
                }
            }
            continue;
        }
        ncmds++;
        int skip = (pending == T_AND && last_status != 0) || (pending == T_OR && last_status == 0);
        if (!skip) last_status = run_pipeline(cmds, ncmds, sep == T_AMP);
        pending = sep;
    }
}

static void reap_background(void)
{
    int status;
    pid_t p;
    while ((p = waitpid(-1, &status, WNOHANG)) > 0)
        if (forget_bg(p) && interactive) {
            if (WIFSIGNALED(status)) printf("[%d] %s\n", (int)p, strsignal(WTERMSIG(status)));
            else printf("[%d] Done (%d)\n", (int)p, WEXITSTATUS(status));
        }
}

static void on_sigint(int sig)
{
    (void)sig;
    got_sigint = 1;
}

int main(int argc, char **argv)
{
    struct input in = {.fd = 0};
    int force_interactive = 0, i = 1;
    const char *cmd_string = NULL;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "-i")) force_interactive = 1;
        else if (!strcmp(argv[i], "-c") && i + 1 < argc) { cmd_string = argv[++i]; i++; break; }
        else { fprintf(stderr, "usage: sh [-i] [-c command | script [arg...]]\n"); return 2; }
    }
    script_argc = argc - i + 1;
    script_argv = argv + i - 1;
    if (cmd_string) {
        in.str = cmd_string;
        script_argv = argv + i - 1;
        script_argv[0] = argv[0];
    } else if (i < argc) {
        in.fd = open(argv[i], O_RDONLY);
        if (in.fd < 0) {
            fprintf(stderr, "sh: %s: %s\n", argv[i], strerror(errno));
            return 127;
        }
        script_argc = argc - i;
        script_argv = argv + i;
    } else {
        script_argc = 1;
        script_argv = argv;
        interactive = force_interactive || isatty(0);
    }

    if (interactive) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_sigint; /* no SA_RESTART: a blocked read returns EINTR */
        sigaction(SIGINT, &sa, NULL);
        /* A shell moves the console between groups while it is itself in the background:
         * on a kernel that stops background tcsetpgrp callers (Linux does), that must not stop us. */
        signal(SIGTTOU, SIG_IGN);
        signal(SIGTTIN, SIG_IGN);
        signal(SIGTSTP, SIG_IGN);
        setpgid(0, 0);
        shell_pgid = getpgrp();
        tcsetpgrp(0, shell_pgid);
        if (!getenv("PATH")) setenv("PATH", "/bin:/sbin", 1);
    }

    char line[MAX_LINE];
    for (;;) {
        if (interactive) {
            reap_background();
            char cwd[128];
            if (!getcwd(cwd, sizeof cwd)) strcpy(cwd, "?");
            printf("%s %c ", cwd, getuid() == 0 ? '#' : '$');
            fflush(stdout);
        }
        int n = read_line(&in, line, sizeof line);
        if (n == -2) continue; /* Ctrl-C at the prompt: the console echoed "^C\n" */
        if (n == -1) break;
        run_line(line);
        fflush(stdout);
    }
    if (interactive) putchar('\n');
    return last_status;
}
