/**
 * Keras configs as Keras writes them: Keras 3 `config.json` objects (`module`, `class_name`, `config`,
 * `registered_name`) and Keras 2 `model_config` layers, with the lambda encodings of each version.
 */

/** base64 of `marshal.dumps((lambda x: x * 2).__code__)` on CPython 3.11 (what `func_dump` writes). */
export const LAMBDA_CODE =
  '4wEAAAAAAAAAAAAAAAIAAAADAAAA8wwAAACXAHwAZAF6BQAAUwApAk7pAgAAAKkAKQHaAXhzAQAAACD6CDxzdHJpbmc++gg8bGFtYmRhPnIGAAAAAgAAAHMNAAAAgADQamvQbm/Ram+AAPMAAAAA';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export const keras3Object = (module: string, className: string, config: Json = {}, extra: Record<string, Json> = {}): Json => ({
  module,
  class_name: className,
  config,
  registered_name: null,
  ...extra,
});

export const keras3Function = (module: string, name: string): Json => ({ module, class_name: 'function', config: name, registered_name: name });

const dtype = keras3Object('keras', 'DTypePolicy', { name: 'float32' });

export const keras3Dense = (name = 'dense'): Json =>
  keras3Object(
    'keras.layers',
    'Dense',
    {
      name,
      trainable: true,
      dtype,
      units: 4,
      activation: 'relu',
      use_bias: true,
      kernel_initializer: keras3Object('keras.initializers', 'GlorotUniform', { seed: null }),
      bias_initializer: keras3Object('keras.initializers', 'Zeros'),
      kernel_regularizer: null,
    },
    { build_config: { input_shape: [null, 3] } },
  );

/** A Keras 3 `Sequential` config with the given extra layers after an input layer and a Dense. */
export const keras3Sequential = (...layers: Json[]): Json =>
  keras3Object(
    'keras',
    'Sequential',
    {
      name: 'sequential',
      trainable: true,
      dtype,
      layers: [keras3Object('keras.layers', 'InputLayer', { batch_shape: [null, 3], dtype: 'float32', name: 'input_layer' }), keras3Dense(), ...layers],
    },
    {
      build_config: { input_shape: [null, 3] },
      compile_config: {
        optimizer: keras3Object('keras.optimizers', 'Adam', { name: 'adam', learning_rate: 0.001 }),
        loss: keras3Function('keras.losses', 'mean_squared_error'),
        metrics: ['mae'],
      },
    },
  );

/** Keras 3 Lambda layer; `fn` is its `function` value. */
export const keras3Lambda = (fn: Json, name = 'lambda'): Json => keras3Object('keras.layers', 'Lambda', { name, function: fn, output_shape: null, arguments: {} });

export const keras3LambdaCode = (): Json => ({ class_name: '__lambda__', config: { code: LAMBDA_CODE, defaults: null, closure: null } });

/** Keras 2 `model_config` with the given extra layers. */
export const keras2Sequential = (...layers: Json[]): Json => ({
  class_name: 'Sequential',
  config: { name: 'sequential', layers: [{ class_name: 'Dense', config: { name: 'dense', units: 4, activation: 'relu' } }, ...layers] },
});

export const keras2Lambda = (fn: Json, functionType: 'lambda' | 'function', module = '__main__'): Json => ({
  class_name: 'Lambda',
  config: { name: 'lambda', function: fn, function_type: functionType, module, output_shape: null, output_shape_type: 'raw', arguments: {} },
});
