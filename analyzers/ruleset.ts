/**
 * Version of the rule set (rules, deny/allow lists, limits). It is part of the scanner metadata Harbor
 * shows, and bumps whenever a rule or list changes meaning, so results from different rule sets are
 * never confused (stored results and shared analyses are keyed by it). `YYYY.MM.DD`, with `.N` for a
 * further change on the same day.
 */
export const RULESET = Object.freeze({ version: '2026.12.08.1', date: '2026-12-08T05:30:00Z' });
