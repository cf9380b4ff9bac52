namespace OnnxAblation.Fuzz;

/// <summary>
/// One fuzzed entry point: the input bytes become a file (or a spec) that the engine's public loader reads inside
/// <see cref="Workspace"/>. Returning, or throwing one of the engine's clear errors (<see cref="FuzzTargets.IsClearError"/>),
/// is a pass; anything else (a crash, an unexpected exception, running out of the bounded heap) is a finding.
/// </summary>
public sealed record FuzzTarget(string Name, string Description, Action<byte[], Workspace> Run);
