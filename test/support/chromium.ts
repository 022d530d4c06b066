/**
 * Loads a page in Debian's headless Chromium (through playwright-core, no bundled browser) and
 * reports what a reader would see: errors of any kind while loading, what each chart drew, and a
 * full-page screenshot.
 */
import { chromium } from 'playwright-core';

export const chromiumPath = '/usr/bin/chromium';

/** One SVG chart: its label and the marks it drew with a visible size. */
export interface ChartMarks {
  label: string;
  /** Bars (rect.bar) with width and height above 0. */
  bars: number;
  /** Polylines with a visible length. */
  lines: number;
}

export interface PageCheck {
  /** Console errors, uncaught page errors, failed requests. */
  errors: string[];
  /** Requests other than the page itself (a self-contained page makes none). */
  requests: string[];
  charts: ChartMarks[];
  title: string;
}

/**
 * Runs in the page (a string: the tests compile without DOM types): every labelled SVG with its
 * bars and lines of non-zero size, measured by the browser's layout.
 */
const chartMarksScript = `[...document.querySelectorAll('svg[aria-label]')].map((svg) => {
  const visible = (el) => { const b = el.getBBox(); return b.width > 0 && (el.tagName === 'polyline' || b.height > 0); };
  return {
    label: svg.getAttribute('aria-label') || '',
    bars: [...svg.querySelectorAll('rect')].filter(visible).length,
    lines: [...svg.querySelectorAll('polyline')].filter(visible).length,
  };
})`;

/** `fullPage: false` for a bare SVG document: Playwright's full-page screenshot never finishes on one. */
export async function checkPage(fileUrl: string, screenshotPath: string, options: { fullPage?: boolean } = {}): Promise<PageCheck> {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [], requests: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
    page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
    page.on('request', (r) => { if (r.url() !== fileUrl) requests.push(r.url()); });
    const response = await page.goto(fileUrl, { waitUntil: 'load' });
    if (response && !response.ok()) errors.push(`load: status ${response.status()}`);
    const charts = (await page.evaluate(chartMarksScript)) as ChartMarks[];
    await page.screenshot({ path: screenshotPath, fullPage: options.fullPage ?? true });
    return { errors, requests, charts, title: await page.title() };
  } finally {
    await browser.close();
  }
}
