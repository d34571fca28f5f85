import type { Owidget, OwidgetAppEvent, OwidgetStatus } from './owidget.js';

export type { Owidget, OwidgetAppEvent, OwidgetStatus };

/** Options of {@link load}. */
export interface LoadOptions {
  /**
   * The owidget server: absolute `http(s)` URL of its root, e.g.
   * `'https://chat.example'` (the snippet's `src` without `/widget/owidget.js`).
   */
  server: string;
  /**
   * Where the core wasm comes from:
   * - `'server'` (default): the glue and wasm the server serves, always matching its version;
   * - `'package'`: this package's `owidget_bg.wasm`, found by `new URL(..., import.meta.url)`
   *   (Vite, webpack 5, Parcel copy it as an asset);
   * - the URL of `owidget_bg.wasm` as the bundler emitted it, e.g.
   *   `import wasm from 'owidget/owidget_bg.wasm'` with esbuild's `--loader:.wasm=file`,
   *   or its bytes / a compiled `WebAssembly.Module`.
   */
  wasm?: 'server' | 'package' | string | URL | Response | BufferSource | WebAssembly.Module;
}

/** What a browser without WebAssembly gets: every method does nothing. */
export interface UnsupportedOwidget {
  readonly isSupported: false;
  init(companyId: string, widgetPreset?: string | null, language?: string | null, scope?: string | null): void;
  connectToServer(): void;
  setAppEventCallback(callback: (e: OwidgetAppEvent) => void): void;
  setStatusUpdateCallback(callback: (code: OwidgetStatus) => void): void;
  setCustomNumberNormalization(callback: (phoneNumber: string) => string | null): void;
  normalizeNumber(phoneNumber: string): Promise<string | null>;
  openChat(enqueue?: boolean): void;
  closeChat(): void;
  addCustomData(name: string, value: string): void;
  destroy(): void;
}

/**
 * Loads the SDK and resolves to a new widget object, the same one a snippet's
 * `$owidgetOnLoad(owidget)` receives. Rejects (with an `[owidget]` message) when
 * `server` is not an http(s) URL or the SDK cannot be loaded.
 */
export function load(options: LoadOptions): Promise<Owidget | UnsupportedOwidget>;
