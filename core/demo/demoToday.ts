// The demo data's fixed "today": every generated date counts back from it, so a seed always gives the same data.
/** The demo's "today": fixed, so the same seed gives the same data whenever it runs. */
export const DEMO_TODAY = '2026-11-01';
