/**
 * Lattice IPC channel layer cost: ML-KEM-768 key pair generation, channel setup (encapsulate +
 * decapsulate + HKDF for both directions), and seal+open of one message (XChaCha20-Poly1305, DRBG
 * nonce, sequence check) for a getpid-sized 16-byte payload and a 4 KiB one, next to a plaintext
 * copy of the same payload (what an unencrypted kernel does), in the same run.
 */
import { ChannelTable } from '../src/core/ipc/index.js';
import { Entropy } from '../src/hw/entropy.js';
import { median, type Benchmark, type Figure } from './figure.js';

const RUNS = Number(process.env.XRR_BENCH_RUNS ?? 5);

function timeMs(f: () => void): number {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
}

/**
 * Medians over RUNS of operations per second (wall clock) and of process CPU time per operation,
 * each run `iterations` calls of `op` after a warm-up. CPU time is the steadier figure on a busy
 * host; wall clock is what the other benchmarks report.
 */
function measure(iterations: number, op: () => void): { perSecond: number; cpuUs: number } {
  for (let i = 0; i < Math.min(iterations, 500); i++) op();
  const rates: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const c0 = process.cpuUsage();
    const ms = timeMs(() => {
      for (let i = 0; i < iterations; i++) op();
    });
    const c = process.cpuUsage(c0);
    rates.push((iterations / ms) * 1000);
    cpu.push((c.user + c.system) / iterations);
  }
  return { perSecond: median(rates), cpuUs: median(cpu) };
}

const ipc: Benchmark = {
  name: 'ipc',
  description: `Lattice IPC: keygen, connect, seal+open vs plaintext copy, medians of ${RUNS} runs`,
  run(log) {
    const rng = new Entropy(new Uint8Array(32).fill(0x5a));
    const figures: Figure[] = [];
    const fig = (metric: string, value: number, unit: string) => figures.push({ bench: 'ipc', metric, median: value, unit, runs: RUNS });

    const KEYGENS = 20;
    const keygenMs: number[] = [];
    let pid = 100;
    const t = new ChannelTable(rng);
    for (let r = 0; r < RUNS; r++) {
      keygenMs.push(timeMs(() => {
        for (let i = 0; i < KEYGENS; i++) t.addEndpoint(pid++);
      }) / KEYGENS);
    }
    fig('keygen_time', median(keygenMs), 'ms');
    log(`ML-KEM-768 keygen: ${median(keygenMs).toFixed(3)} ms`);

    const connectMs: number[] = [];
    let next = 100;
    for (let r = 0; r < RUNS; r++) {
      connectMs.push(timeMs(() => {
        for (let i = 0; i < KEYGENS / 2; i++, next += 2) t.connect(next, next + 1);
      }) / (KEYGENS / 2));
    }
    fig('connect_time', median(connectMs), 'ms');
    log(`connect (encapsulate + decapsulate + 2x2 HKDF): ${median(connectMs).toFixed(3)} ms`);

    t.addEndpoint(8);
    t.addEndpoint(3);
    t.connect(8, 3);
    let sink = 0;
    for (const [label, size, iterations] of [['16B', 16, 20_000], ['4KiB', 4096, 2_000]] as const) {
      const payload = Uint8Array.from({ length: size }, (_, i) => i & 0xff);
      const { perSecond: sealed, cpuUs } = measure(iterations, () => {
        const r = t.open(t.seal(8, 3, 205, payload));
        if (!r.ok) throw new Error(`open failed: ${r.error}`);
        sink ^= r.message.payload[0] ?? 0;
      });
      const { perSecond: plain } = measure(iterations, () => {
        const m = { m_source: 8, m_type: 205, payload: payload.slice() };
        sink ^= m.payload[0] ?? 0;
      });
      fig(`seal_open_${label}`, sealed, 'msg/s');
      fig(`seal_open_${label}_cpu`, cpuUs, 'us/msg');
      fig(`plaintext_copy_${label}`, plain, 'msg/s');
      fig(`slowdown_${label}`, plain / sealed, 'x');
      if (size >= 4096) fig(`seal_open_${label}_throughput`, (sealed * size) / 1e6, 'MB/s');
      log(`${label}: seal+open ${sealed.toFixed(0)} msg/s (${cpuUs.toFixed(1)} us CPU each), plaintext copy ${plain.toFixed(0)} msg/s (${(plain / sealed).toFixed(1)}x)`);
    }
    // A getpid round trip is a request and a reply: two seal+open pairs.
    const req = new Uint8Array(16);
    const { perSecond: rt, cpuUs: rtCpu } = measure(10_000, () => {
      const a = t.open(t.seal(8, 3, 205, req));
      const b = t.open(t.seal(3, 8, 250, req));
      sink ^= Number(a.ok) ^ Number(b.ok);
    });
    fig('getpid_exchange_16B', rt, 'round trips/s');
    fig('getpid_exchange_16B_cpu', rtCpu, 'us/round trip');
    log(`request + reply (16 B each): ${rt.toFixed(0)} round trips/s, ${rtCpu.toFixed(1)} us CPU each (channel layer only)`);
    if (sink === 0x1234_5678) log('(unlikely sink value)');
    return figures;
  },
};

export default ipc;
