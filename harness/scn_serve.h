/*
 * scn_serve.h - `csim serve FILE`: host the services of a scenario file in
 * real time, on a libuv world (sim_uv.h): their timer entrypoints tick on
 * the wall clock and their tcp entrypoints take request lines from a
 * loopback listener; SIGINT / SIGTERM stop the runner as `nameko run` does
 * (spec/container.md 3.3).  README.md "Real time: csim serve" describes it.
 */
#ifndef SCN_SERVE_H
#define SCN_SERVE_H

/* The command; argv holds what follows `serve`.  Returns the exit status:
 * 0 after a clean stop, 1 after a kill or when the runner's wait raised, 2
 * on a usage, scenario file or listen error. */
int scn_cmd_serve(int argc, char **argv);

#endif /* SCN_SERVE_H */
