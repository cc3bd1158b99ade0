/** The terminal's size for the layout. */
import { useStdout } from 'ink';
import { useEffect, useState } from 'react';

/** The terminal's size, following resizes unless the caller fixed it. */
export function useTerminalSize(width?: number, height?: number): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const [size, setSize] = useState({ columns: width ?? stdout.columns ?? 80, rows: height ?? stdout.rows ?? 24 });
  useEffect(() => {
    if (width !== undefined) return;
    const onResize = () => setSize({ columns: stdout.columns ?? 80, rows: stdout.rows ?? 24 });
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout, width]);
  return size;
}
