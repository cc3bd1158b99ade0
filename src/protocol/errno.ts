/**
 * Linux errno values (DESIGN.md section 5: a syscall result is a negative errno, Linux numbering).
 * Shared by the kernel and the servers: a server reply's `result` is either >= 0 or `-errno`.
 */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  ENOEXEC: 8,
  EBADF: 9,
  ECHILD: 10,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOTTY: 25,
  ETXTBSY: 26,
  EFBIG: 27,
  ENOSPC: 28,
  ESPIPE: 29,
  EROFS: 30,
  EMLINK: 31,
  EPIPE: 32,
  EDOM: 33,
  ERANGE: 34,
  EDEADLK: 35,
  ENAMETOOLONG: 36,
  ENOLCK: 37,
  ENOSYS: 38,
  ENOTEMPTY: 39,
  ELOOP: 40,
  EBADMSG: 74,
  EOVERFLOW: 75,
  EMSGSIZE: 90,
  EOPNOTSUPP: 95,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
} as const;

export type ErrnoName = keyof typeof ERRNO;
export type Errno = (typeof ERRNO)[ErrnoName];

const errnoNames = new Map<number, ErrnoName>(
  (Object.entries(ERRNO) as [ErrnoName, number][]).map(([name, value]) => [value, name]),
);

/** `ENOENT` for 2; `errno 99` for a value outside the table. */
export function errnoName(value: number): string {
  return errnoNames.get(value) ?? `errno ${value}`;
}

/** Renders a reply result: `3` or `-ENOENT`. */
export function describeResult(result: number): string {
  return result < 0 ? `-${errnoName(-result)}` : String(result);
}
