/** Button status: 0 offline, 1 online, 2 busy. */
export type OwidgetStatus = 0 | 1 | 2;

/** Event passed to the app event callback. */
export interface OwidgetAppEvent {
  type:
    | "chatWindowOpen"
    | "chatWindowClosed"
    | "chatSessionCreated"
    | "chatSessionStarted"
    | "chatSessionEnded";
}

/**
 * One chat widget, as passed to the snippet's `scr.$owidgetOnLoad(owidget)`:
 * a plain object whose methods are bound (they may be called detached, as
 * `btn.onclick = owidget.openChat`) and never throw: misuse is reported with
 * an `[owidget]` console error. The widget lives until `destroy()`, whether
 * or not the page keeps this object.
 */
export interface Owidget {
  /** `true`; an unsupported browser gets `{isSupported: false, ...}` instead. */
  readonly isSupported: boolean;
  /** Last known status, `undefined` before the first one. */
  readonly status: OwidgetStatus | undefined;
  /** Language in use: the preset's choice once configured, else the first wish. */
  readonly language: string | undefined;
  /**
   * Sets company (GUID), preset (omit for the company's default), language
   * (else `<html lang>`, else the browser's, narrowed to the preset's
   * languages, else the preset's default) and restore scope.
   */
  init(companyId: string, widgetPreset?: string | null, language?: string | null, scope?: string | null): void;
  /** Loads the configuration, shows the button and tracks the status. Idempotent. */
  connectToServer(): void;
  /** Called with every app event. */
  setAppEventCallback(callback: (e: OwidgetAppEvent) => void): void;
  /** Called on every status change, and at once with a status already known. */
  setStatusUpdateCallback(callback: (code: OwidgetStatus) => void): void;
  /**
   * Replaces the default phone normalization (the callback form and `normalizeNumber`):
   * return `null` for an invalid number, else the number as it will be dialled
   * (`'+420 777 666 555'`). Throwing or returning anything else makes that number
   * invalid, with an `[owidget]` console error. Numbers are then never sent to the
   * server for normalization.
   */
  setCustomNumberNormalization(callback: (phoneNumber: string) => string | null): void;
  /**
   * Normalizes a number as the callback form does: with the custom function if
   * set, else with the default (the server's, with the preset's default
   * country). Both run in the lazily loaded chat window module: asked before
   * `connectToServer()` has loaded the configuration and that module, it
   * answers once they are there, in call order with
   * `setCustomNumberNormalization`. Resolves to the number as it will be
   * dialled or `null` for an invalid one (also when the server refused the
   * configuration or the module failed to load); never rejects.
   */
  normalizeNumber(phoneNumber: string): Promise<string | null>;
  /** Opens the chat window; `enqueue` puts the visitor in the queue at once. */
  openChat(enqueue?: boolean): void;
  /** Closes the chat window (a running chat goes on). */
  closeChat(): void;
  /**
   * Data sent with the chat start; call before the chat starts. Reserved names:
   * `oo1_guest_ident` (name), `oo1_guest_phone`, `oo1_guest_email`.
   */
  addCustomData(name: string, value: string): void;
  /** Removes the DOM, closes the socket, stops timers; later calls only warn. */
  destroy(): void;
}
