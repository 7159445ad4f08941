"""Text parsers for the metrics that executed notebooks print, in the formats real notebooks use.

Every public function here is total: any text in, a (possibly empty) list or None out, never an
exception. They read text only; deciding which cell's output is which metric is the job of
`grader.notebooks.metrics`, which knows the cells.

Formats read (observed in public course and student notebooks, 2019-2023):

- accuracy: "accuracy_score: 0.77", "Accuracy Score: 0.765", "Test accuracy = 77.0%", "The accuracy
  of the model is 0.77" (training/validation/balanced/baseline accuracies and SageMaker's own
  log lines are not the model's reported test accuracy and are skipped);
- scikit-learn classification reports, text (any label names, `digits=`), `output_dict=True`
  printed as a dict, or turned into a DataFrame (text/plain or text/html); the `accuracy` row, or
  the `micro avg` row of scikit-learn 0.20-0.21 (for one label per row it equals accuracy);
- confusion matrices as NumPy arrays (`[[128  15]\\n [ 31  26]]`, `array([[...]])`, nested
  lists) and as DataFrames / `pd.crosstab` results (text/plain or text/html, with or without
  axis names and `margins=True` totals; a constant model's crosstab has a single column);
- regression metrics: "RMSE: 0.36", "Root Mean Squared Error: ...", "R2 score: -0.09",
  "R^2", "R²", "R-squared", "r2_score", "coefficient of determination".

One module per concern: `base` (the totality guard, `Found`), `figures` (accuracy lines and bare
numbers), `regression` (RMSE, R²), `tables` (DataFrame text and HTML grids),
`classification_report`, `confusion`. They read text and never import the cells' models.
"""
