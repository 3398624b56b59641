// The rows of the paper's tables, in the paper's order and with its labels.

export const TABLE1_ROWS = [
  {label: "syscall", metric: "lat_syscall", params: {}},
  {label: "stat", metric: "lat_stat", params: {}},
  {label: "fstat", metric: "lat_fstat", params: {}},
  {label: "open/close", metric: "lat_open_close", params: {}},
  {label: "fork", metric: "lat_fork", params: {}},
  {label: "exec", metric: "lat_exec", params: {}},
  {label: "sh", metric: "lat_sh", params: {}},
  {label: "sig hndl", metric: "lat_sig_handler", params: {}},
  {label: "pipe", metric: "lat_pipe", params: {}}
];

export const TABLE2_ROWS = [
  [2, 0], [2, 16], [2, 64], [8, 16], [8, 64], [16, 16], [16, 64]
].map(([procs, size_kb]) => ({label: `${procs}p${size_kb}k`, metric: "lat_ctx", params: {procs, size_kb}}));
