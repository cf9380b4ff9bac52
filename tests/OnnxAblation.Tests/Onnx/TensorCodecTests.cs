using OnnxAblation.Onnx;
using Onnx;

namespace OnnxAblation.Tests.Onnx;

public class TensorCodecTests
{
    private static readonly float[] Values = [0f, 1f, -2f, 3.5f, 100f, -0.25f];

    [Theory]
    [InlineData(TensorProto.Types.DataType.Float)]
    [InlineData(TensorProto.Types.DataType.Double)]
    [InlineData(TensorProto.Types.DataType.Float16)]
    [InlineData(TensorProto.Types.DataType.Bfloat16)]
    public void Float_types_round_trip_through_raw_data(TensorProto.Types.DataType type)
    {
        var t = TensorCodec.Create("w", [2, 3], Values, (int)type);
        Assert.True(t.HasRawData());
        Assert.Equal(Values, TensorCodec.ToFloats(t)); // all values are exact in every one of these types
    }

    [Theory]
    [InlineData(TensorProto.Types.DataType.Int8, new float[] { -128, 127, 127, -128 })]
    [InlineData(TensorProto.Types.DataType.Uint8, new float[] { 0, 255, 255, 0 })]
    [InlineData(TensorProto.Types.DataType.Int32, new float[] { -200, 300, 1000, -1000 })]
    [InlineData(TensorProto.Types.DataType.Int64, new float[] { -200, 300, 1000, -1000 })]
    public void Integer_types_round_and_saturate(TensorProto.Types.DataType type, float[] expected)
    {
        var t = TensorCodec.Create("q", [4], [-200.4f, 300.2f, 999.6f, -1000f], (int)type);
        Assert.Equal(expected, TensorCodec.ToFloats(t));
    }

    [Fact]
    public void Typed_fields_are_decoded()
    {
        var f = new TensorProto { Name = "f", DataType = 1, Dims = { 3 }, FloatData = { 1f, 2f, 3f } };
        Assert.Equal([1f, 2f, 3f], TensorCodec.ToFloats(f));
        var d = new TensorProto { Name = "d", DataType = 11, Dims = { 2 }, DoubleData = { 0.5, -4 } };
        Assert.Equal([0.5f, -4f], TensorCodec.ToFloats(d));
        var h = new TensorProto { Name = "h", DataType = 10, Dims = { 2 }, Int32Data = { BitConverter.HalfToUInt16Bits((Half)1.5f), BitConverter.HalfToUInt16Bits((Half)(-2f)) } };
        Assert.Equal([1.5f, -2f], TensorCodec.ToFloats(h));
        var l = new TensorProto { Name = "l", DataType = 7, Dims = { 2 }, Int64Data = { 7, -9 } };
        Assert.Equal([7f, -9f], TensorCodec.ToFloats(l));
        var b = new TensorProto { Name = "b", DataType = 16, Dims = { 1 }, Int32Data = { 0x3FC0 } }; // bfloat16 1.5
        Assert.Equal([1.5f], TensorCodec.ToFloats(b));
    }

    [Fact]
    public void Write_keeps_type_and_clears_typed_fields()
    {
        var t = new TensorProto { Name = "f", DataType = 10, Dims = { 2 }, Int32Data = { 0, 0 } };
        TensorCodec.Write(t, [0.5f, 8f]);
        Assert.Equal(10, t.DataType);
        Assert.Empty(t.Int32Data);
        Assert.Equal(4, t.RawData.Length);
        Assert.Equal([0.5f, 8f], TensorCodec.ToFloats(t));
    }

    [Fact]
    public void Bfloat16_rounds_to_nearest_even()
    {
        // 1 + 2^-8 lies exactly between two bfloat16 values (1 and 1 + 2^-7): ties go to the even one, 1.
        Assert.Equal(1f, TensorCodec.BFloat16ToFloat(TensorCodec.FloatToBFloat16(1f + 1f / 256)));
        Assert.Equal(1f + 1f / 64, TensorCodec.BFloat16ToFloat(TensorCodec.FloatToBFloat16(1f + 1f / 64 + 1f / 1024)));
        Assert.True(float.IsNaN(TensorCodec.BFloat16ToFloat(TensorCodec.FloatToBFloat16(float.NaN))));
    }

    [Fact]
    public void Wrong_sizes_and_types_are_named()
    {
        var t = new TensorProto { Name = "bad", DataType = 1, Dims = { 4 }, RawData = Google.Protobuf.ByteString.CopyFrom(new byte[8]) };
        Assert.Contains("'bad' raw_data has 8 bytes", Assert.Throws<OnnxFormatException>(() => TensorCodec.ToFloats(t)).Message);
        var s = new TensorProto { Name = "str", DataType = 8, Dims = { 1 } };
        Assert.Contains("'str' has element type string", Assert.Throws<OnnxFormatException>(() => TensorCodec.ToFloats(s)).Message);
    }
}
