namespace OnnxAblation.Ablation;

/// <summary>An ablation that cannot be carried out as asked (unknown layer or unit, unmappable coupling, bad mode).</summary>
public sealed class AblationException : Exception
{
    public AblationException(string message) : base(message) { }

    public AblationException(string message, Exception inner) : base(message, inner) { }

    public AblationException() { }
}
