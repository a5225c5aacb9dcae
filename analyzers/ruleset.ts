/**
 * Version of the rule set (rules, deny/allow lists, limits). It is part of the scanner metadata Harbor
 * shows, and bumps whenever a rule or list changes meaning, so results from different rule sets are
 * never confused.
 */
export const RULESET = Object.freeze({ version: '2026.11.28', date: '2026-11-28T00:00:00Z' });
