using Compiled.Data;
using Compiled.Runtime.Tests.Networks;

namespace Compiled.Runtime.Tests;

/// <summary>CSV with a header and named columns, class names mapped to indices and saved with the model, a validation
/// split, and the targets-for-labels mistake named.</summary>
public sealed class CsvTableTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("compiled-csv-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Named_columns_come_out_as_numbers_in_the_order_asked_and_class_names_as_sorted_indices()
    {
        string path = Write("animals.csv", """
            weight, "length, cm",species
            1.5,20,mouse
            300,250,"bear"

            4.25,60,cat
            2,22,mouse
            """);
        CsvTable table = Csv.ReadTable(path);
        Assert.Equal(["weight", "length, cm", "species"], table.Columns);
        Assert.Equal(4, table.Rows);
        Assert.Equal([20f, 1.5f, 250f, 300f, 60f, 4.25f, 22f, 2f], table.Numbers("length, cm", "weight"));
        Assert.Equal(["weight", "length, cm"], table.ColumnsExcept("species"));

        int[] labels = table.Labels("species", out ClassLabels species);
        Assert.Equal(["bear", "cat", "mouse"], species.Names);
        Assert.Equal([2, 0, 1, 2], labels);
        Assert.Equal("cat", species[1]);
        Assert.Equal(-1, species.IndexOf("dog"));

        // The test set maps with the training set's classes; a class the training set never had is an error at its row.
        string test = Write("test.csv", "weight,length, cm,species\n3,30,cat\n5,40,dog\n".Replace("length, cm", "\"length, cm\""));
        var error = Assert.Throws<InvalidDataException>(() => Csv.ReadTable(test).Labels("species", species));
        Assert.Contains("line 3, column 'species': the class 'dog' is not one of the 3 known (bear, cat, mouse)", error.Message);
        Assert.Equal(["cat", "dog"], Csv.ReadTable(test).Text("species"));
    }

    [Theory]
    [InlineData("a,b\n1,2,3\n", "line 2 has 3 cells, but the header names 2 columns")]
    [InlineData("a,a\n1,2\n", "names the column 'a' twice")]
    [InlineData("1,2\n3,4\n", "all numbers, not a header")]
    [InlineData("a,b\n", "no data rows")]
    [InlineData("a,\"b\n1,2\n", "line 1: a quoted field is not closed")]
    [InlineData("a,,c\n1,2,3\n", "empty column name (column 2)")]
    public void A_malformed_table_is_refused_with_its_line(string text, string expected)
    {
        var error = Assert.Throws<InvalidDataException>(() => Csv.ReadTable(Write("bad.csv", text)));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Asking_for_a_missing_column_or_text_as_numbers_says_what_is_there()
    {
        CsvTable table = Csv.ReadTable(Write("t.csv", "x,label\n1,yes\n2,no\n"));
        var missing = Assert.Throws<ArgumentException>(() => table.Numbers("y"));
        Assert.Contains("no column 'y'; its columns are 'x', 'label'", missing.Message);
        var text = Assert.Throws<InvalidDataException>(() => table.Numbers("label"));
        Assert.Contains("line 2, column 'label': 'yes' is not a finite number", text.Message);
        Assert.Contains("Labels", text.Message);
    }

    [Fact]
    public void Class_names_are_saved_with_the_model_and_checked_against_the_network()
    {
        var network = new ReluSce(1) { ClassNames = new ClassLabels(["setosa", "versicolor", "virginica"]) };
        string path = Path.Combine(_directory, "iris.safetensors");
        network.SaveParameters(path);
        Assert.Equal(["setosa", "versicolor", "virginica"], ModelFile.Inspect(path).ClassNames!.Names);

        var loaded = new ReluSce(2);
        loaded.LoadParameters(path);
        Assert.Equal("virginica", loaded.ClassNames![2]);

        var error = Assert.Throws<ArgumentException>(() => loaded.ClassNames = new ClassLabels(["a", "b"]));
        Assert.Contains("has 3 classes, but got 2 class names (a, b)", error.Message);
        Assert.Throws<ArgumentException>(() => new ClassLabels(["a", "a"]));
    }

    [Fact]
    public void A_validation_split_holds_out_the_last_samples_as_keras_does()
    {
        Dataset data = Compiled.Tests.Blobs.Make(100, 1, separation: 2f);
        var split = new DropoutMlp(3);
        var adam = new Adam(0.01f);
        TrainingResult withSplit = Trainer.Fit(split, data, null, new TrainingOptions { Epochs = 3, BatchSize = 16, ValidationSplit = 0.2 }, ref adam);

        (Dataset train, Dataset validation) = data.Split(0.8);
        var explicitNetwork = new DropoutMlp(3);
        var adam2 = new Adam(0.01f);
        TrainingResult explicitSplit = Trainer.Fit(explicitNetwork, train, validation, new TrainingOptions { Epochs = 3, BatchSize = 16 }, ref adam2);

        Assert.Equal(explicitSplit.History.Select(r => r.ValidationLoss), withSplit.History.Select(r => r.ValidationLoss));
        Assert.Equal(explicitNetwork.Parameters.ToArray(), split.Parameters.ToArray());
        Assert.False(float.IsNaN(withSplit.Last.ValidationAccuracy));

        Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingOptions { ValidationSplit = 1 });
        var both = Assert.Throws<ArgumentException>(() => Trainer.Fit(split, data, validation, new TrainingOptions { ValidationSplit = 0.2 }, ref adam));
        Assert.Contains("not both", both.Message);

        // The seeded split is a shuffled one, the same for the same seed.
        Assert.Equal(data.Split(0.7, seed: 4).Train.Labels, data.Split(0.7, seed: 4).Train.Labels);
        Assert.NotEqual(data.Split(0.7).Train.Labels, data.Split(0.7, seed: 4).Train.Labels);
    }

    [Fact]
    public void Class_indices_given_as_targets_are_named_as_the_mistake_they_are()
    {
        var network = new ReluSce(1);
        float[] inputs = new float[4 * 9];
        float[] classIndices = [0, 2, 1, 2];
        var adam = new Adam(0.01f);
        var step = Assert.Throws<ArgumentException>(() => network.TrainStep(inputs, classIndices, ref adam));
        Assert.Contains("Dataset.WithLabels instead of Dataset.WithTargets", step.Message);
        var evaluate = Assert.Throws<ArgumentException>(() => network.Evaluate(inputs, classIndices));
        Assert.Contains("ReadOnlySpan<int> overload", evaluate.Message);

        var fit = Assert.Throws<ArgumentException>(() => Trainer.Fit(network, Dataset.WithTargets(inputs, 9, classIndices), null, new TrainingOptions(), ref adam));
        Assert.Contains("Dataset.WithLabels", fit.Message);
    }
}
