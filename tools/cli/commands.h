/* Subcommands of the lat CLI. Each returns the process exit code. */
#ifndef LAT_TOOLS_COMMANDS_H
#define LAT_TOOLS_COMMANDS_H
int cmd_encode(int argc, char **argv);
int cmd_decode(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_compare(int argc, char **argv);    /* cmd_compare.c: PSNR, JPEG/PNG reference */
int cmd_train(int argc, char **argv);      /* cmd_train.c */
int cmd_bench(int argc, char **argv);      /* cmd_bench.c: dispatches bench nn / rd / lossless */
int cmd_classify(int argc, char **argv);   /* cmd_classify.c */
#endif
