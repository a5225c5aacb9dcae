/**
 * False positives on real files (issues 11 and 17): the test data that Debian's python3-joblib, -numpy,
 * -scipy, -onnx and -h5py ship (joblib 0.8–0.11 pickles in every compression, legacy `ZF` files, Python 2
 * object arrays, scipy's .npz/.npy/.sav data, HDF5 and ONNX samples) are written by the libraries
 * themselves, so none may raise a non-licence finding at Medium or above. Read from the installed packages
 * at run time (CI installs them in .ci/run): missing packages fail the run under CI instead of skipping.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { atLeast, describeFinding, isCodeFinding, scanDirectory } from '../../support/engine-scan.js';

const DIST = '/usr/lib/python3/dist-packages';
/** Each package's data directories, scanned one directory at a time as a user would scan a folder. */
const DATA_DIRS: Record<string, readonly string[]> = {
  joblib: ['joblib/test/data'],
  numpy: ['numpy/lib/tests/data', 'numpy/core/tests/data'],
  scipy: [
    'scipy/io/tests/data', 'scipy/fftpack/tests', 'scipy/interpolate/tests/data', 'scipy/linalg/tests/data',
    'scipy/sparse/linalg/tests', 'scipy/sparse/tests/data', 'scipy/spatial/tests/data', 'scipy/special/tests/data',
    'scipy/stats/tests/data/levy_stable',
  ],
  onnx: ['onnx/examples/resources'],
  h5py: ['h5py/_debian_h5py_serial/tests/data_files'],
};
/** Serialized data, as opposed to the sources (.py, .c, .f90…) that share some of these directories. */
const DATA_FILE = /\.(pkl|pickle|joblib|npy|npz|gz|gzip|bz2|xz|lzma|z|h5|hdf5|onnx|pb|sav|mat)$/i;

const installed = Object.entries(DATA_DIRS).filter(([, dirs]) => dirs.every((d) => existsSync(path.join(DIST, d))));
const missing = Object.keys(DATA_DIRS).filter((p) => !installed.some(([q]) => q === p));

describe('Debian packages\u2019 own test data through the engine', () => {
  it('should find every package installed (CI installs them; elsewhere the missing ones are skipped)', () => {
    if (process.env['CI'] === 'true') expect(missing, 'python3 packages missing from .ci/run').toEqual([]);
    else if (missing.length > 0) console.warn(`debian test data: not installed here: ${missing.join(', ')}`);
  });

  it.each(installed)('should raise no code finding at Medium or above on %s\u2019s test data', async (pkg, dirs) => {
    const noisy: string[] = [];
    let scanned = 0;
    for (const dir of dirs) {
      const byFile = await scanDirectory(path.join(DIST, dir));
      for (const [file, findings] of byFile) {
        if (!DATA_FILE.test(file) || !statSync(path.join(DIST, dir, file)).isFile()) continue;
        scanned++;
        const loud = findings.filter(isCodeFinding).filter(atLeast('Medium'));
        if (loud.length > 0) noisy.push(`${dir}/${file}: ${loud.map(describeFinding).join(' | ')}`);
      }
    }
    expect(scanned, `${pkg}: data files scanned`).toBe(dataFilesOnDisk(dirs));
    expect(noisy).toEqual([]);
  });
});

/** Every data file is scanned: a walk that lost some could not pass. */
function dataFilesOnDisk(dirs: readonly string[]): number {
  return dirs
    .flatMap((d) => readdirSync(path.join(DIST, d), { recursive: true }).map((f) => path.join(DIST, d, String(f))))
    .filter((f) => DATA_FILE.test(f) && statSync(f).isFile()).length;
}
