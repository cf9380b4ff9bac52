using OnnxAblation.Onnx;

namespace OnnxAblation.Tests.Support;

/// <summary>
/// Random small CNNs for property tests: a stem, then residual, concat, grouped/depthwise and plain blocks,
/// BatchNormalization kept or absent (folded), max-pooling, and a Flatten or GlobalAveragePool head.
/// </summary>
internal static class RandomCnn
{
    public static readonly int[] SampleShape = [2, 6, 6];

    public const int Classes = 3;

    public static OnnxModel Build(int seed)
    {
        var rng = new Random(seed);
        var b = new GraphBuilder().Input("x", -1, 2, 6, 6).Output("y", -1, Classes);
        int id = 0;
        float[] W(int n, double scale) => Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale)).ToArray();
        string Conv(string input, int cin, int cout, int k, int group, bool bn)
        {
            string name = $"conv{id++}";
            var inputs = new List<string> { input, b.Init(name + ".w", [cout, cin / group, k, k], W(cout * cin / group * k * k, 1.0 / Math.Sqrt(cin / group * k * k))) };
            if (!bn || rng.Next(2) == 0) inputs.Add(b.Init(name + ".b", [cout], W(cout, 0.3)));
            string o = b.Node("Conv", inputs.ToArray(), name: name, attributes: [("group", (long)group), ("pads", new long[] { k / 2, k / 2, k / 2, k / 2 })]);
            if (!bn) return o;
            var scale = W(cout, 0.5).Select(v => v + 1).ToArray();
            var var = W(cout, 0.5).Select(v => Math.Abs(v) + 0.5f).ToArray();
            return b.Node("BatchNormalization", [o, b.Init(name + ".s", [cout], scale), b.Init(name + ".t", [cout], W(cout, 0.3)), b.Init(name + ".m", [cout], W(cout, 0.3)), b.Init(name + ".v", [cout], var)], name: name + ".bn");
        }
        string Relu(string t) => b.Node("Relu", [t]);
        bool keepBn = rng.Next(2) == 0;
        int c = 4;
        string x = Relu(Conv("x", 2, c, 3, 1, keepBn));
        int blocks = 2 + rng.Next(2);
        bool pooled = false;
        for (int i = 0; i < blocks; i++)
        {
            switch (rng.Next(4))
            {
                case 0: // residual
                    string r = Relu(Conv(x, c, c, 3, 1, keepBn));
                    string r2 = Conv(r, c, c, 3, 1, keepBn);
                    x = Relu(b.Node("Add", [r2, x]));
                    break;
                case 1: // concat of two 1×1 branches
                    int c1 = 2 + rng.Next(3), c2 = 2 + rng.Next(3);
                    string p = Conv(x, c, c1, 1, 1, keepBn), q = Conv(x, c, c2, 1, 1, keepBn);
                    x = Relu(b.Node("Concat", [p, q], attributes: ("axis", 1L)));
                    c = c1 + c2;
                    break;
                case 2: // grouped or depthwise
                    int group = c % 2 == 0 && rng.Next(2) == 0 ? 2 : c;
                    int cout = group == c ? c : c + 2;
                    x = Relu(Conv(x, c, cout, 3, group, keepBn));
                    c = cout;
                    break;
                default: // plain, maybe pooled
                    int co = 3 + rng.Next(4);
                    x = Relu(Conv(x, c, co, 3, 1, keepBn));
                    c = co;
                    if (!pooled && rng.Next(2) == 0)
                    {
                        x = b.Node("MaxPool", [x], attributes: [("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 })]);
                        pooled = true;
                    }
                    break;
            }
        }
        int spatial = pooled ? 9 : 36;
        if (rng.Next(2) == 0)
        {
            string f = b.Node("Flatten", [x], attributes: ("axis", 1L));
            int hidden = 5;
            string h = Relu(b.Node("Gemm", [f, b.Init("fc1.w", [hidden, c * spatial], W(hidden * c * spatial, 0.3)), b.Init("fc1.b", [hidden], W(hidden, 0.3))], name: "fc1", attributes: ("transB", 1L)));
            b.Node("Gemm", [h, b.Init("fc2.w", [hidden, Classes], W(hidden * Classes, 0.5))], output: "y", name: "fc2");
        }
        else
        {
            string gap = b.Node("GlobalAveragePool", [x]);
            string f = b.Node("Flatten", [gap], attributes: ("axis", 1L));
            b.Node("Gemm", [f, b.Init("head.w", [Classes, c], W(Classes * c, 1.0)), b.Init("head.b", [Classes], W(Classes, 0.1))], output: "y", name: "head", attributes: ("transB", 1L));
        }
        return b.Build();
    }
}
