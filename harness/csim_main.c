/*
 * csim_main.c - the csim executable: all of the command line is scn_main
 * (main.c), in the harness library, so tests can run it in-process.
 */
#include "scn_explore.h"

int main(int argc, char **argv)
{
    return scn_main(argc, argv);
}
