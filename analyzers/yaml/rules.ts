/**
 * YAML rules. PyYAML's `yaml.Loader`/`UnsafeLoader` (and `yaml.load` without `Loader=` before 5.1, or
 * `yaml.unsafe_load`) construct Python objects from tags (PyYAML `constructor.py`
 * `UnsafeConstructor` multi-constructors): `python/name:` and `python/module:` import modules,
 * `python/object:` builds an instance and sets its state, `python/object/new:` and
 * `python/object/apply:` call any callable with arguments from the document. Training frameworks and
 * model configs (MLflow `MLmodel`, Hydra/OmegaConf configs, YOLO/mmcv configs) are still loaded that way.
 */
import { defineRules } from '../finding.js';

const analyzer = 'yaml';

export const YAML_RULES = defineRules({
  pythonTag: {
    id: 'yaml.python-tag',
    analyzer,
    severity: 'Critical',
    title: 'YAML tag makes PyYAML import or call Python code',
    why: 'Under `yaml.load(..., Loader=yaml.Loader)`, `yaml.unsafe_load` or `yaml.full_load` on old PyYAML, the tags `!!python/object/apply:`, `!!python/object/new:`, `!!python/object:`, `!!python/name:` and `!!python/module:` (also written `!<tag:yaml.org,2002:python/…>` or through a `%TAG` handle) import the module they name and call what they name with arguments from the file: loading the config runs code (CVE-2017-18342, CVE-2020-1747, CVE-2020-14343).',
    remediation: 'Load YAML configs with `yaml.safe_load` only. Remove the tag, or rebuild the config from a trusted source; treat the artifact as untrusted.',
  },
  unreadable: {
    id: 'yaml.unreadable',
    analyzer,
    severity: 'Medium',
    title: 'YAML file does not parse',
    why: 'The file has YAML syntax errors or is not UTF-8; a tag in the part the parser could not read was not checked, and PyYAML may read it differently.',
    remediation: 'Fix or regenerate the file, then scan it again; until then inspect it by hand.',
  },
  aliasBomb: {
    id: 'yaml.alias-bomb',
    analyzer,
    severity: 'Medium',
    title: 'YAML file uses a very large number of aliases',
    why: 'Every alias is expanded when PyYAML constructs the document; nested aliases ("billion laughs") make a small file expand to exhaust memory or CPU. Configs do not need thousands of aliases.',
    remediation: 'Remove the aliases or load the file with a parser that limits alias expansion.',
  },
});
