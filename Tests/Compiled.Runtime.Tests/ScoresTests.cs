using Compiled.Data;
using Compiled.Runtime.Tests.Networks;

namespace Compiled.Runtime.Tests;

/// <summary>Confusion matrices and regression scores against values worked out by hand from scikit-learn's definitions.</summary>
public class ScoresTests
{
    [Fact]
    public void Precision_recall_and_f1_follow_scikit_learn()
    {
        // y_true = [0, 0, 1, 1, 1, 2], y_pred = [0, 1, 1, 1, 2, 2]. sklearn.metrics.classification_report gives
        // precision 1, 0.6667, 0.5; recall 0.5, 0.6667, 1; F1 0.6667, 0.6667, 0.6667; accuracy 0.6667.
        var matrix = new ConfusionMatrix(3);
        int[] actual = { 0, 0, 1, 1, 1, 2 }, predicted = { 0, 1, 1, 1, 2, 2 };
        for (int i = 0; i < actual.Length; i++) matrix.Add(actual[i], predicted[i]);

        Assert.Equal(6, matrix.Total);
        Assert.Equal(2, matrix[1, 1]);
        Assert.Equal(1, matrix[0, 1]);
        Assert.Equal(4.0 / 6, matrix.Accuracy, 12);
        Assert.Equal(new[] { 1.0, 2.0 / 3, 0.5 }, new[] { matrix.Precision(0), matrix.Precision(1), matrix.Precision(2) });
        Assert.Equal(new[] { 0.5, 2.0 / 3, 1.0 }, new[] { matrix.Recall(0), matrix.Recall(1), matrix.Recall(2) });
        Assert.Equal(2.0 / 3, matrix.F1(0), 12);
        Assert.Equal(2.0 / 3, matrix.F1(2), 12);
        Assert.Equal(2.0 / 3, matrix.MacroF1, 12);
        Assert.Equal(((2 * (2.0 / 3)) + (3 * (2.0 / 3)) + (1 * (2.0 / 3))) / 6, matrix.WeightedF1, 12);
        Assert.Equal((1 + (2.0 / 3) + 0.5) / 3, matrix.MacroPrecision, 12);
        Assert.Contains("macro F1 0.6667", matrix.ToString());
    }

    [Fact]
    public void A_class_never_predicted_scores_zero_not_nan()
    {
        var matrix = new ConfusionMatrix(2);
        matrix.Add(1, 0);
        matrix.Add(0, 0);
        Assert.Equal(0, matrix.Precision(1));
        Assert.Equal(0, matrix.Recall(1));
        Assert.Equal(0, matrix.F1(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => matrix.Add(2, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConfusionMatrix(0));
    }

    [Fact]
    public void FromOutputs_takes_the_largest_output_and_skips_ignored_steps()
    {
        float[] outputs = { 0.1f, 0.9f, 0.8f, 0.2f, 0.5f, 0.5f };
        ConfusionMatrix matrix = ConfusionMatrix.FromOutputs(outputs, new[] { 1, 1, -100 }, 2);
        Assert.Equal(2, matrix.Total);
        Assert.Equal(1, matrix[1, 1]);
        Assert.Equal(1, matrix[1, 0]);
        Assert.Throws<ArgumentException>(() => ConfusionMatrix.FromOutputs(outputs, new[] { 1, 1 }, 2));
    }

    [Fact]
    public void Regression_scores_follow_scikit_learn()
    {
        // sklearn: y_true = [3, -0.5, 2, 7], y_pred = [2.5, 0, 2, 8]: MAE 0.5, MSE 0.375, R² 0.9486081370449679.
        RegressionScores scores = RegressionScores.Of(new[] { 2.5f, 0f, 2f, 8f }, new[] { 3f, -0.5f, 2f, 7f });
        Assert.Equal(0.5, scores.MeanAbsoluteError, 12);
        Assert.Equal(0.375, scores.MeanSquaredError, 12);
        Assert.Equal(0.9486081370449679, scores.RSquared, 9);
        Assert.Equal(4, scores.Count);

        // Two outputs: R² is the mean of the outputs' (sklearn's uniform_average): [[0.5, 1], [-1, 1], [7, -6]] against
        // [[0, 2], [-1, 2], [8, -5]] gives 0.9368005266622779.
        RegressionScores two = RegressionScores.Of(new[] { 0f, 2f, -1f, 2f, 8f, -5f }, new[] { 0.5f, 1f, -1f, 1f, 7f, -6f }, outputs: 2);
        Assert.Equal(0.9368005266622779, two.RSquared, 9);
        Assert.Throws<ArgumentException>(() => RegressionScores.Of(new[] { 1f, 2f, 3f }, new[] { 1f, 2f, 3f }, outputs: 2));
    }

    [Fact]
    public void A_network_and_a_dataset_give_their_confusion_and_scores()
    {
        var network = new ResidualMlp(1);
        var random = new Xoshiro(2);
        float[] features = Enumerable.Range(0, 10 * ResidualMlp.InputSize).Select(_ => random.NextGaussian()).ToArray();
        float[] targets = Enumerable.Range(0, 10 * ResidualMlp.OutputSize).Select(_ => random.NextGaussian()).ToArray();
        RegressionScores scores = RegressionScores.Of(network, Dataset.WithTargets(features, ResidualMlp.InputSize, targets, ResidualMlp.OutputSize));
        var predictions = new float[targets.Length];
        network.Predict(features, predictions);
        Assert.Equal(RegressionScores.Of(predictions, targets, ResidualMlp.OutputSize), scores);
        Assert.Throws<ArgumentException>(() => ConfusionMatrix.Of(network, Dataset.WithTargets(features, ResidualMlp.InputSize, targets, ResidualMlp.OutputSize)));
    }
}
