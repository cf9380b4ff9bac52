using Xunit.Abstractions;
using Xunit.Sdk;

namespace OnnxAblation.Tests.Support;

/// <summary>
/// A fact that can skip itself at run time, with a reason, through <see cref="SkipTest.Because"/> (xunit 2 has no
/// dynamic skip). Only for what the machine itself cannot do (a daemon that cannot start in this container, no
/// Docker engine): a missing install step fails as usual, with the set-up command that fixes it.
/// </summary>
[XunitTestCaseDiscoverer("OnnxAblation.Tests.Support.SkippableFactDiscoverer", "OnnxAblation.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class SkippableFactAttribute : FactAttribute;

/// <summary>Thrown by <see cref="SkipTest.Because"/>; reported as a skip by <see cref="SkippableFactAttribute"/> tests.</summary>
public sealed class SkipTestException(string reason) : Exception(reason);

public static class SkipTest
{
    /// <summary>Ends the test as skipped, with this reason (printed by the runner).</summary>
    public static void Because(string reason) => throw new SkipTestException(reason);
}

public sealed class SkippableFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        ArgumentNullException.ThrowIfNull(discoveryOptions);
        yield return new SkippableTestCase(diagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(),
            discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod);
    }
}

public sealed class SkippableTestCase : XunitTestCase
{
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public SkippableTestCase() { }

    public SkippableTestCase(IMessageSink diagnosticMessageSink, TestMethodDisplay display, TestMethodDisplayOptions options, ITestMethod method)
        : base(diagnosticMessageSink, display, options, method) { }

    public override async Task<RunSummary> RunAsync(IMessageSink diagnosticMessageSink, IMessageBus messageBus, object[] constructorArguments,
        ExceptionAggregator aggregator, CancellationTokenSource cancellationTokenSource)
    {
        using var bus = new SkippingBus(messageBus);
        var summary = await base.RunAsync(diagnosticMessageSink, bus, constructorArguments, aggregator, cancellationTokenSource).ConfigureAwait(false);
        summary.Failed -= bus.Skipped;
        summary.Skipped += bus.Skipped;
        return summary;
    }

    /// <summary>Turns a failure by <see cref="SkipTestException"/> into a skip with its message.</summary>
    private sealed class SkippingBus(IMessageBus inner) : IMessageBus
    {
        public int Skipped { get; private set; }

        public bool QueueMessage(IMessageSinkMessage message)
        {
            if (message is ITestFailed failed && failed.ExceptionTypes.Length > 0
                && failed.ExceptionTypes[0] == typeof(SkipTestException).FullName)
            {
                Skipped++;
                return inner.QueueMessage(new TestSkipped(failed.Test, failed.Messages[0]));
            }
            return inner.QueueMessage(message);
        }

        public void Dispose() { }
    }
}
