// Statistics (docs/spec.md §4).
export * from './stats/normal.js';
export * from './stats/mann-whitney-u.js';
export * from './stats/benjamini-hochberg.js';
export * from './stats/effect-size.js';
export * from './stats/spearman.js';
// Recorded test trials and the Jacobians ∂o_t/∂s_τ along them.
export * from './trials/recorded-trials.js';
export * from './jacobian/sensitivity-profile.js';
export * from './jacobian/program-sensitivity.js';
export * from './jacobian/network-step-jacobian.js';
export * from './jacobian/autodiff-jacobian.js';
export * from './jacobian/network-sensitivity.js';
export * from './jacobian/finite-difference-jacobian.js';
export * from './jacobian/onnx-interpreter.js';
export * from './jacobian/onnx-jacobian.js';
export * from './jacobian/onnx-double.js';
// Measures of one network (docs/spec.md §4).
export * from './measures/summary.js';
export * from './measures/memory.js';
export * from './measures/sample-efficiency.js';
// Statistics across networks and the random-forest prediction study.
export * from './stats/compare-to-reference.js';
export * from './predict/regression-tree.js';
export * from './predict/random-forest.js';
export * from './predict/random-forest-cv.js';
export * from './predict/paper-predictions.js';
// The analysis of runs and policies.
export * from './measures/measure-names.js';
export * from './analysis/network-analysis.js';
export * from './analysis/analysis-options.js';
export * from './analysis/measure-network.js';
export * from './analysis/headline.js';
export * from './analysis/summarize.js';
export * from './analysis/analyze-run.js';
export * from './analysis/analyze-stored.js';
export * from './analysis/analyze-policy.js';
export * from './analysis/run-network-profile.js';
// Figures (Vega-Lite → SVG headless, PNG by resvg) and the report.
export * from './figures/render.js';
export * from './figures/figure-specs.js';
export * from './figures/architecture-glyph.js';
export * from './report/csv.js';
export * from './report/report-tables.js';
export * from './report/report-figures.js';
export * from './report/report-markdown.js';
export * from './report/report-html.js';
export * from './report/write-report.js';
export * from './plugin/analysis-metrics.js';
// The comparison of learners on the same architectures.
export * from './compare/learner-comparison.js';
