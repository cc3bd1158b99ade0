/** Lowers the calling thread by `by` steps of nice; false when 0, refused or not Linux. */
export function lowerThisThread(by: number): boolean;
