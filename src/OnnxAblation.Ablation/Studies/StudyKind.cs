namespace OnnxAblation.Ablation.Studies;

/// <summary>What a study does; with its parameters it is a <see cref="StudyKey"/>.</summary>
public enum StudyKind
{
    /// <summary>A study name this build does not know (read from a store as it is).</summary>
    Other,

    /// <summary>The intact model.</summary>
    Baseline,

    /// <summary>Every unit alone.</summary>
    Single,

    /// <summary>Every pair of a layer's units.</summary>
    Pairs,

    /// <summary>A whole layer at once.</summary>
    Layer,

    /// <summary>Unit sets given by the user.</summary>
    Group,

    /// <summary>Prefixes of a unit order of one layer.</summary>
    Cumulative,

    /// <summary>Prefixes of an order over the units of several layers.</summary>
    CumulativeAcross,

    /// <summary>A layer's N units most important for one class.</summary>
    ClassTop,

    /// <summary>A layer's N units least important for one class.</summary>
    ClassBottom,
}
