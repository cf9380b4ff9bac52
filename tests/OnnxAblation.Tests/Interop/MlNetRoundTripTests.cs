using Microsoft.ML;
using Microsoft.ML.Data;
using OnnxAblation.Ablation.Store;
using OnnxAblation.Data;
using OnnxAblation.Requests;
using OnnxAblation.Tests.Support;

namespace OnnxAblation.Tests.Interop;

/// <summary>
/// The ML.NET round trip: a model written by <c>ablate --save</c> runs through ML.NET's <c>ApplyOnnxModel</c>
/// (Microsoft.ML.OnnxTransformer) with the engine's predictions and scores; an ML.NET <see cref="IDataView"/> feeds a
/// study end to end with the results of the same data read by the engine itself.
/// </summary>
public class MlNetRoundTripTests
{
    private const string Fashion = "idx:/usr/share/datasets/fashion-mnist/t10k";
    private const int Samples = 500;

    /// <summary>One row of the ML.NET data view: the sample's pixels and its class.</summary>
    private sealed class Row
    {
        public float[] Features { get; set; } = [];

        public int Label { get; set; }
    }

    private static IDataView View(MLContext ml, Dataset data, string featuresName)
    {
        var rows = Enumerable.Range(0, data.Count).Select(i => new Row { Features = data.Sample(i).ToArray(), Label = data.Labels[i] }).ToList();
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, data.SampleSize);
        schema[nameof(Row.Features)].ColumnName = featuresName;
        return ml.Data.LoadFromEnumerable(rows, schema);
    }

    [Theory]
    [InlineData("fmnist-mlp/model.onnx", "/fc2/Gemm:0,1,2,3,4,5,6,7,8,9,10,11", true)]
    [InlineData("fmnist-vgg/model-folded.onnx", "/conv2/Conv:0,3,5,7,9,11", false)]
    public void A_model_saved_by_ablate_runs_in_MLNET_ApplyOnnxModel_with_the_engines_predictions(string model, string units, bool flat)
    {
        string saved = Path.Combine(TestPaths.NewTempDirectory(), "ablated.onnx");
        var (code, _, err) = CliProcess.Run("ablate", TestPaths.Model(model), "--data", Fashion, "--limit", Samples.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--units", units, "--save", saved);
        Assert.True(code == 0, err);

        var intact = AblationSession.Open(TestPaths.Model(model), Fashion, new SessionOptions { Limit = Samples }).Evaluate();
        var session = AblationSession.Open(saved, Fashion, new SessionOptions { Limit = Samples });
        var engine = session.Evaluate();
        var data = session.Data!;
        Assert.NotEqual(intact.Predicted, engine.Predicted); // the saved model really is ablated

        var ml = new MLContext(seed: 1);
        var shape = new Dictionary<string, int[]> { ["input"] = flat ? [1, data.SampleSize] : [1, .. data.SampleShape] };
        var pipeline = ml.Transforms.ApplyOnnxModel(["output"], ["input"], saved, shape, gpuDeviceId: null, fallbackToCpu: false);
        var scored = pipeline.Fit(View(ml, data, "input")).Transform(View(ml, data, "input"));
        var outputs = scored.GetColumn<float[]>("output").ToList();

        Assert.Equal(data.Count, outputs.Count);
        var predicted = outputs.Select(o => Array.IndexOf(o, o.Max())).ToArray();
        Assert.Equal(engine.Predicted, predicted);
        int correct = predicted.Where((p, i) => p == data.Labels[i]).Count();
        Assert.Equal(engine.Accuracy, (double)correct / data.Count, 12);
    }

    [Fact]
    public void An_MLNET_data_view_feeds_a_study_end_to_end_with_the_results_of_the_same_data_read_by_the_engine()
    {
        string dir = TestPaths.NewTempDirectory();
        string model = TestPaths.Model("fmnist-mlp/model.onnx");
        var request = (string store) => new StudyRequest
        {
            StorePath = store, Layers = ["/fc2/Gemm"], PairLayers = [], CumulativeSeeds = 1, ClassTopN = [1, 2],
        };

        var direct = AblationSession.Open(model, Fashion, new SessionOptions { Limit = Samples });
        using (direct.Study(request(Path.Combine(dir, "direct.db")))) { }

        var ml = new MLContext(seed: 1);
        var view = View(ml, direct.Data!, "Features");
        // Key-typed labels, as ML.NET pipelines make them (MapValueToKey): the adapter turns keys back into classes.
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Fit(view).Transform(view);
        var fromView = MlNetData.FromDataView(keyed, classNames: direct.Data!.ClassNames);
        Assert.Equal(direct.Data!.Labels, fromView.Labels);
        var viaMlNet = AblationSession.Open(OnnxAblation.Onnx.OnnxModel.Load(model), fromView);
        using (viaMlNet.Study(request(Path.Combine(dir, "mlnet.db")))) { }

        using var a = ResultStore.OpenExisting(Path.Combine(dir, "direct.db"));
        using var b = ResultStore.OpenExisting(Path.Combine(dir, "mlnet.db"));
        var want = a.All();
        var got = b.All().ToDictionary(r => r.Key);
        Assert.True(want.Count > 64, $"only {want.Count} results");
        Assert.Equal(want.Select(r => r.Key).Order(StringComparer.Ordinal), got.Keys.Order(StringComparer.Ordinal));
        foreach (var r in want)
        {
            Assert.Equal(r.Accuracy, got[r.Key].Accuracy);
            Assert.Equal(r.ClassAccuracy, got[r.Key].ClassAccuracy);
            Assert.Equal(r.MeanLoss, got[r.Key].MeanLoss);
        }
    }
}
