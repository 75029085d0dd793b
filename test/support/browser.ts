// Headless Chromium for the browser tests (Debian's /usr/bin/chromium; never a
// downloaded browser) and the demo's static server as a child process.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const chromiumPath = '/usr/bin/chromium';

const baseFlags = ['--headless', '--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'];
/**
 * lavapipe through ANGLE: WebGPU over OpenGL ES at the compatibility feature
 * level, on the driver Node's engine runs on here, so the page's scores compare
 * with Node's. Chromium's default adapter (SwiftShader) runs the demo too
 * (measured: inference 1.66 s, a distillation step 5.5 s).
 */
export const lavapipeCompatFlags = ['--enable-unsafe-webgpu', '--ignore-gpu-blocklist', '--use-angle=vulkan', '--use-webgpu-adapter=opengles', '--force-webgpu-compat'];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing: run \`bash scripts/setup.sh\` as root (it installs Debian's chromium)`);
  return chromium.launch({ executablePath: chromiumPath, args: [...baseFlags, ...lavapipeCompatFlags] });
}

export interface DemoServer {
  url: string;
  stop(): void;
}

/** Runs scripts/serve.js on a port the OS picks, serving `checkpoints`. */
export function startDemoServer(checkpoints: string): Promise<DemoServer> {
  const child = spawn(process.execPath, ['scripts/serve.js', '--port', '0', '--checkpoints', checkpoints], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk;
      const url = /serving the DiCNet demo at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output)?.[1];
      if (url) resolve({ url, stop: () => child.kill() });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`scripts/serve.js exited (${code}) before serving: ${output}`)));
  });
}
