// Playwright configuration for the UI tests: Galata's defaults, Debian's chromium (Playwright cannot
// download browsers here), headless, no video, screenshots kept as artifacts in test-results/.
// JupyterLab is started from the repository's .venv with jupyter_server_test_config.py.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');
const here = dirname(fileURLToPath(import.meta.url));
const port = process.env.FSG_UI_PORT ?? '8897';
const jupyter = join(here, '..', '.venv', 'bin', 'jupyter');

export default {
  ...baseConfig,
  testDir: join(here, 'tests'),
  outputDir: join(here, 'test-results'),
  reporter: [['list'], ['json', { outputFile: join(here, 'test-results', 'report.json') }]],
  timeout: 180000,
  expect: { timeout: 30000 },
  workers: 1,
  // One retry (FSG_UI_RETRIES=0 for none): a browser on a loaded 2-core machine is not deterministic.
  // ui.sh lists every test that passed only on its retry (flaky), so none is hidden.
  retries: Number(process.env.FSG_UI_RETRIES ?? 1),
  use: {
    ...baseConfig.use,
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    headless: true,
    video: 'off',
    trace: 'off',
    screenshot: 'only-on-failure',
    viewport: { width: 1280, height: 860 },
    launchOptions: {
      executablePath: process.env.FSG_CHROMIUM ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist']
    }
  },
  webServer: {
    command: `${jupyter} lab --config ${join(here, 'jupyter_server_test_config.py')}`,
    url: `http://127.0.0.1:${port}/lab`,
    timeout: 240000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe'
  }
};
