/**
 * License rules, one per policy class (analyzers/settings.ts `LICENSE_CLASSES`): the default severity of
 * each can be changed, or the rule turned off, in the policy file. Classes follow the suggested policy
 * classes of ../shared/reference/model-scanners.md §4.2 and the findings list of §4.3; they flag what a
 * person should review before shipping a model, they are not a legal opinion.
 *
 * Every class defaults to Low: Harbor's "prevent vulnerable artifacts from being pulled" threshold is a
 * security control, and compliance must not gate pulls unless the policy says so (raise a class in the
 * policy file). Only `license.denied` — a licence the policy itself denies — is High.
 */
import { defineRules, type Rule } from '../finding.js';
import type { LicenseClass } from '../settings.js';

const analyzer = 'license';
const REVIEW = 'Have the license reviewed for your intended use; allow it in the license policy once accepted.';

export const LICENSE_RULES = defineRules({
  missing: {
    id: 'license.missing',
    analyzer,
    severity: 'Low',
    title: 'No license declared anywhere in the artifact',
    why: 'Without a license nobody but the author may use, copy or modify the model; a model card `license`, a LICENSE file, a config or packaging license would each say what is allowed.',
    remediation: 'Add the license: `license:` in the model card metadata and the full text as LICENSE (or `descriptor.licenses` / the Kitfile license).',
  },
  unresolved: {
    id: 'license.unresolved',
    analyzer,
    severity: 'Low',
    title: 'License declared but not identifiable',
    why: '`unknown`, `other` without `license_name`, unreadable model card metadata or a license text that matches no known license leave the terms unknown to anyone who has not read them.',
    remediation: 'Name the license: an SPDX id, a Hugging Face license id, or `license: other` with `license_name` and `license_link`; review any custom text.',
  },
  'family-placeholder': {
    id: 'license.family-placeholder',
    analyzer,
    severity: 'Low',
    title: 'License family named without a version or variant',
    why: 'Ids like `bsd`, `cc`, `gpl` or `openrail` name a family whose members differ in what they allow (a `cc` license may be non-commercial or no-derivatives).',
    remediation: 'Declare the exact license (e.g. `bsd-3-clause`, `cc-by-4.0`, `gpl-3.0`).',
  },
  conflict: {
    id: 'license.conflict',
    analyzer,
    severity: 'Low',
    title: 'License sources disagree',
    why: 'The model card, LICENSE file, config or packaging name different licenses (a card saying `apache-2.0` over the Llama 3.1 license text); the stricter one usually binds, and the artifact misleads whoever reads only one.',
    remediation: 'Find out which license applies and make every source say the same.',
  },
  'non-commercial': {
    id: 'license.non-commercial',
    analyzer,
    severity: 'Low',
    title: 'License forbids commercial use',
    why: 'Non-commercial licenses (CC BY-NC, research-only model licenses) do not allow use in a product or service that earns money.',
    remediation: REVIEW,
  },
  'no-derivatives': {
    id: 'license.no-derivatives',
    analyzer,
    severity: 'Low',
    title: 'License forbids derivative works',
    why: 'No-derivatives licenses (CC BY-ND) forbid sharing adapted versions: fine-tunes, quantisations and merges may not be distributed.',
    remediation: REVIEW,
  },
  'use-restricted': {
    id: 'license.use-restricted',
    analyzer,
    severity: 'Low',
    title: 'License restricts how the model may be used',
    why: 'RAIL licenses (OpenRAIL-M and family) and computational-use agreements forbid listed uses and require every redistribution to pass the same restrictions on.',
    remediation: REVIEW,
  },
  'vendor-terms': {
    id: 'license.vendor-terms',
    analyzer,
    severity: 'Low',
    title: 'Vendor-specific or custom license terms',
    why: 'Vendor community licenses (Llama, Gemma, Grok) and custom licenses add acceptable-use policies, attribution and naming duties, user thresholds or termination clauses no standard license has.',
    remediation: REVIEW,
  },
  copyleft: {
    id: 'license.copyleft',
    analyzer,
    severity: 'Low',
    title: 'Strong or network copyleft license',
    why: 'GPL, AGPL and similar licenses require works built on the licensed material to be released under the same terms (AGPL also for use over a network).',
    remediation: REVIEW,
  },
  'share-alike': {
    id: 'license.share-alike',
    analyzer,
    severity: 'Low',
    title: 'Weak copyleft or share-alike license',
    why: 'LGPL, MPL, CC BY-SA, ODbL and similar licenses require changes to the licensed material (not the whole work) to be shared under the same terms.',
    remediation: REVIEW,
  },
  'base-model-stricter': {
    id: 'license.base-model-stricter',
    analyzer,
    severity: 'Low',
    title: 'Base model is under a stricter license than declared',
    why: 'A fine-tune, quantisation or merge is a derivative of its base model and stays bound by its license; a more permissive license on the derivative does not lift those terms.',
    remediation: "Declare the base model's license (or an expression including it) and check the derivative complies with it.",
  },
  denied: {
    id: 'license.denied',
    analyzer,
    severity: 'High',
    title: 'License denied by policy',
    why: 'The license policy lists this license as not acceptable.',
    remediation: 'Do not use the model, or obtain it under another license.',
  },
} satisfies Record<LicenseClass, Rule>);

export const LICENSE_RULE_LIST: readonly Rule[] = Object.values(LICENSE_RULES);
