using OnnxAblation.Ablation.Store;
using OnnxAblation.Recovery;

namespace OnnxAblation.Results;

/// <summary>One recovery training run: its name ("requested", "most damaging single", a control), its damage and result.</summary>
public sealed record RecoveryRun(string Name, IReadOnlyList<UnitSet> Damage, RecoveryResult Result)
{
    public string DamageText => string.Join(";", Damage);
}
