// Headless Chromium (the system's, Debian's `chromium` package) driven by playwright-core,
// and tiny static pages served on other origins.

import { createServer } from 'node:http';
import { chromium } from 'playwright-core';

/** $CHROMIUM_PATH, else Debian's /usr/bin/chromium. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * A fresh Chromium: playwright gives it a new temporary profile (user-data-dir), and
 * `browser.newContext()` a clean, storage-free context on top. `close()` ends it, and
 * kills its process by PID should it outlive the close.
 */
export async function launchChromium() {
  const server = await chromium.launchServer({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ARGS,
    timeout: 30_000,
  });
  const pid = server.process().pid;
  const browser = await chromium.connect(server.wsEndpoint());
  const close = async () => {
    await browser.close().catch(() => {});
    await server.close().catch(() => {});
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone, as it should be
    }
  };
  return { browser, pid, close };
}

/** Serves `html` at every path on 127.0.0.1 and a free port; answers `{ origin, close }`. */
export async function servePage(html) {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(html);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
