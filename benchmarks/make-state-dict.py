"""A torch.save state_dict with a realistic tensor-size mix, for the torch-registry benchmark.

GPT-2-shaped: a large token embedding, a position embedding, per block two layer norms (tiny), a fused
QKV projection, an output projection and a 4x MLP (large), then a final layer norm; weights from a seeded
normal distribution (incompressible, as trained weights are). Presets:
  500M  GPT-2 small, float32: 12 blocks of width 768, ~124 M parameters, ~0.5 GB
  5G    width 2560, 32 blocks, float16: ~2.6 G parameters, ~5.3 GB
Run with Debian's python3-torch: /usr/bin/python3 benchmarks/make-state-dict.py OUT PRESET
"""
import sys

import torch

PRESETS = {
    '500M': dict(vocab=50257, positions=1024, width=768, blocks=12, dtype=torch.float32),
    '5G': dict(vocab=50257, positions=2048, width=2560, blocks=32, dtype=torch.float16),
}


def main(out, preset):
    p = PRESETS[preset]
    width = p['width']
    generator = torch.Generator().manual_seed(0)

    def tensor(*shape):
        return torch.randn(*shape, generator=generator).to(p['dtype'])

    state = {'transformer.wte.weight': tensor(p['vocab'], width), 'transformer.wpe.weight': tensor(p['positions'], width)}
    for i in range(p['blocks']):
        block = f'transformer.h.{i}.'
        for norm in ('ln_1', 'ln_2'):
            state[block + norm + '.weight'] = tensor(width)
            state[block + norm + '.bias'] = tensor(width)
        state[block + 'attn.c_attn.weight'] = tensor(width, 3 * width)
        state[block + 'attn.c_attn.bias'] = tensor(3 * width)
        state[block + 'attn.c_proj.weight'] = tensor(width, width)
        state[block + 'attn.c_proj.bias'] = tensor(width)
        state[block + 'mlp.c_fc.weight'] = tensor(width, 4 * width)
        state[block + 'mlp.c_fc.bias'] = tensor(4 * width)
        state[block + 'mlp.c_proj.weight'] = tensor(4 * width, width)
        state[block + 'mlp.c_proj.bias'] = tensor(width)
    state['transformer.ln_f.weight'] = tensor(width)
    state['transformer.ln_f.bias'] = tensor(width)
    torch.save(state, out)
    print(len(state))


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
