/** The archive analyzers, in the order the engine should know them. */
import type { Analyzer } from '../analyzer.js';
import { compressedAnalyzer } from './compressed-analyzer.js';
import { hdf5UserBlockAnalyzer } from './hdf5-user-block.js';
import { sevenZipAnalyzer } from './sevenzip-analyzer.js';
import { tarAnalyzer } from './tar-analyzer.js';
import { zipAnalyzer } from './zip-analyzer.js';

export const ARCHIVE_ANALYZERS: readonly Analyzer[] = [zipAnalyzer, tarAnalyzer, compressedAnalyzer, sevenZipAnalyzer, hdf5UserBlockAnalyzer];
