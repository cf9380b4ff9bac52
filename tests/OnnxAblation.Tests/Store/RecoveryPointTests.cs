using OnnxAblation.Ablation.Store;

namespace OnnxAblation.Tests.Store;

public class RecoveryPointTests
{
    [Fact]
    public void Recovery_curves_round_trip_and_replace_the_same_epoch()
    {
        string path = Path.Combine(TestPaths.NewTempDirectory(), "s.db");
        var meta = StoreTestData.Meta(samples: 10, classes: 3, labels: [0, 1, 2, 0, 1, 2, 0, 1, 2, 0], names: ["a", "b", "c"]);
        using (var store = ResultStore.Open(path, meta))
        {
            Assert.Empty(store.RecoveryPoints()); // the table exists from the start, empty
            store.AddRecoveryPoint(new RecoveryPoint("run", "fc1:3", 0, double.NaN, 0.5, [0.25, 0.5, double.NaN], 1.5, 0.1));
            store.AddRecoveryPoint(new RecoveryPoint("run", "fc1:3", 1, 0.9, 0.7, [0.5, 0.75, 1], 0.8, 2.0));
            store.AddRecoveryPoint(new RecoveryPoint("run", "fc1:3", 1, 0.8, 0.75, [0.5, 0.75, 1], 0.7, 2.5)); // rerun of epoch 1
        }
        using var reopened = ResultStore.OpenExisting(path);
        var points = reopened.RecoveryPoints();
        Assert.Equal([0, 1], points.Select(p => p.Epoch));
        Assert.True(double.IsNaN(points[0].TrainLoss));
        Assert.True(double.IsNaN(points[0].ClassAccuracy[2]));
        Assert.Equal(0.75, points[1].Accuracy);
        Assert.Equal("fc1:3", points[1].Damage);
    }
}
