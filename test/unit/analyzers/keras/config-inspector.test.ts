import { describe, expect, it } from 'vitest';
import { LimitExceededError } from '../../../../analyzers/engine-rules.js';
import { FindingBudget } from '../../../../analyzers/finding-budget.js';
import { inspectKerasConfig, MAX_CONFIG_VALUES } from '../../../../analyzers/keras/config-inspector.js';
import { KERAS_RULES as RULES } from '../../../../analyzers/keras/rules.js';
import {
  keras2Lambda,
  keras2Sequential,
  keras3Function,
  keras3Lambda,
  keras3LambdaCode,
  keras3Object,
  keras3Sequential,
  LAMBDA_CODE,
  type Json,
} from './keras-configs.js';

function inspect(config: unknown) {
  const budget = new FindingBudget('model.keras!config.json');
  inspectKerasConfig(config, 'config.json', budget);
  return budget.findings();
}
const ids = (config: unknown) => [...new Set(inspect(config).map((f) => f.ruleId))].sort();

describe('inspectKerasConfig', () => {
  it.each<[string, Json]>([
    ['a Keras 3 Sequential model', keras3Sequential()],
    ['a Keras 2 model_config', keras2Sequential()],
    ['a keras_hub backbone', keras3Object('keras_hub.src.models.bert.bert_backbone', 'BertBackbone', { vocabulary_size: 30522 })],
    ['a builtins function Keras resolves itself', keras3Sequential(keras3Object('keras.layers', 'Activation', { activation: keras3Function('builtins', 'relu') }))],
    ['a tf.keras object', keras3Object('tensorflow.keras.layers', 'Dense', { units: 2 })],
    ['a keras_hub model', keras3Object('keras_hub.src.models.gemma.gemma_backbone', 'GemmaBackbone', { vocabulary_size: 256000 }, { registered_name: 'keras_hub>GemmaBackbone' })],
    ['a safe TFOpLambda', keras2Sequential({ class_name: 'TFOpLambda', config: { name: 'tf.math.add', function: 'math.add' } })],
  ])('should report nothing when the config is %s', (_, config) => {
    expect(inspect(config)).toEqual([]);
  });

  const hostile: Array<[string, string, Json]> = [
    [RULES.lambdaBytecode.id, 'a Keras 3 Lambda with a __lambda__ function', keras3Sequential(keras3Lambda(keras3LambdaCode()))],
    [RULES.lambdaBytecode.id, 'a __lambda__ used as an activation', keras3Sequential(keras3Object('keras.layers', 'Activation', { activation: { class_name: '__lambda__', config: { value: [LAMBDA_CODE, null, null] } } }))],
    [RULES.lambdaBytecode.id, 'a Keras 2 Lambda with bytecode', keras2Sequential(keras2Lambda([LAMBDA_CODE, null, null], 'lambda'))],
    [RULES.lambdaBytecode.id, 'a Keras 2 Lambda with a __tuple__ function', keras2Sequential(keras2Lambda({ class_name: '__tuple__', items: [LAMBDA_CODE, null, null] }, 'lambda'))],
    [RULES.lambdaBytecode.id, 'a Keras 2 Lambda whose type says lambda', keras2Sequential(keras2Lambda('not base64 but declared a lambda', 'lambda'))],
    [RULES.lambdaBytecode.id, 'bytecode in output_shape', keras2Sequential({ class_name: 'Lambda', config: { name: 'l', function: 'f', function_type: 'function', output_shape: [LAMBDA_CODE, null, null], output_shape_type: 'lambda' } })],
    [RULES.lambdaLayer.id, 'a Keras 2 Lambda naming a function', keras2Sequential(keras2Lambda('my_function', 'function', 'my_package.ops'))],
    [RULES.lambdaLayer.id, 'a Keras 3 Lambda naming a registered function', keras3Sequential(keras3Lambda(keras3Function('keras.src.ops', 'square')))],
    [RULES.unsafeModule.id, 'a function from os (CVE-2025-1550)', keras3Sequential(keras3Lambda(keras3Function('os', 'system')))],
    [RULES.unsafeModule.id, 'a class from subprocess', keras3Object('subprocess', 'Popen', { args: ['id'] })],
    [RULES.unsafeModule.id, 'builtins.exec', keras3Sequential(keras3Lambda(keras3Function('builtins', 'exec')))],
    [RULES.unsafeModule.id, 'a sub-module of a denied package', keras3Object('importlib.machinery', 'SourceFileLoader')],
    [RULES.customModule.id, 'a custom layer package', keras3Sequential(keras3Object('my_company.layers', 'Attention', {}, { registered_name: 'MyCompany>Attention' }))],
    [RULES.outsideModule.id, 'an unregistered class from another package (CVE-2025-1550)', keras3Sequential(keras3Object('acme.layers', 'Gate'))],
    [RULES.outsideModule.id, 'a function from another package', keras3Sequential(keras3Lambda(keras3Function('acme.ops', 'run')))],
    [RULES.outsideModule.id, 'a package named like Keras', keras3Object('keras_evil.layers', 'Dense')],
    [RULES.outsideModule.id, 'a registration key that is not one', keras3Object('acme.layers', 'Gate', {}, { registered_name: 'Gate' })],
    [RULES.outsideModule.id, 'an object nested in a layer config', keras3Sequential(keras3Object('keras.layers', 'Dense', { kernel_initializer: keras3Object('acme.init', 'Evil') }))],
    [RULES.safeModeBypass.id, 'enable_unsafe_deserialization (CVE-2025-9906)', keras3Sequential(keras3Lambda(keras3Function('keras.config', 'enable_unsafe_deserialization')), keras3Lambda(keras3LambdaCode()))],
    [RULES.nonModelingApi.id, 'keras.utils.get_file (CVE-2025-8747)', keras3Sequential(keras3Lambda(keras3Function('keras.utils', 'get_file')))],
    [RULES.nonModelingApi.id, 'load_model under a private path', keras3Function('keras.src.saving.saving_api', 'load_model')],
    [RULES.nonModelingApi.id, 'tf.io.write_file', keras3Function('tensorflow.io', 'write_file')],
    [RULES.nonModelingApi.id, 'a TFOpLambda over tf.io', keras2Sequential({ class_name: 'TFOpLambda', config: { name: 'tf.io.read_file', function: 'io.read_file' } })],
    [RULES.nonModelingApi.id, 'a TFOpLambda over py_function', keras2Sequential({ class_name: 'TFOpLambda', config: { name: 'x', function: 'py_function' } })],
  ];

  it.each(hostile)('should report %s when the config has %s', (rule, _, config) => {
    expect(ids(config)).toContain(rule);
  });

  it('should report a Lambda once when its bytecode is found', () => {
    const findings = inspect(keras3Sequential(keras3Lambda(keras3LambdaCode())));
    expect(findings.map((f) => [f.ruleId, f.severity, f.location])).toEqual([[RULES.lambdaBytecode.id, 'Critical', 'config.json config.layers[2].config.function']]);
    expect(findings[0]!.details).toEqual({ bytecodeBytes: Buffer.from(LAMBDA_CODE, 'base64').length });
  });

  it('should group custom objects by module when many come from one package', () => {
    const layers = Array.from({ length: 30 }, (_, i) => keras3Object('my_company.layers', `Layer${i % 3}`, {}, { registered_name: `MyCompany>Layer${i % 3}` }));
    const findings = inspect(keras3Sequential(...layers));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: RULES.customModule.id, details: { module: 'my_company.layers', objects: 30, names: ['Layer0', 'Layer1', 'Layer2'] } });
  });

  it('should walk without recursion when the config nests a hundred thousand levels deep', () => {
    let config: Json = keras3Lambda(keras3LambdaCode());
    for (let i = 0; i < 100_000; i++) config = { wrapper: config };
    expect(ids(config)).toEqual([RULES.lambdaBytecode.id]);
  });

  it('should stop at the value limit when a config holds millions of values', () => {
    const huge = { values: new Array(MAX_CONFIG_VALUES + 1).fill(0) };
    expect(() => inspect(huge)).toThrow(LimitExceededError);
  });
});
