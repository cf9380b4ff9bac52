using System.Globalization;

namespace OnnxAblation.Cli.Commands;

/// <summary>Number formats shared by the analysis reports (invariant culture; "-" for NaN).</summary>
internal static class Fmt
{
    /// <summary>A correlation coefficient with sign, 3 decimals.</summary>
    public static string R(double r) => double.IsNaN(r) ? "-" : r.ToString("+0.000;-0.000;0.000", CultureInfo.InvariantCulture);

    /// <summary>A p-value: 3 significant digits, scientific below 0.001.</summary>
    public static string P(double p) => double.IsNaN(p) ? "-"
        : p == 0 ? "0" : p < 1e-3 ? p.ToString("0.00e+0", CultureInfo.InvariantCulture) : p.ToString("0.000", CultureInfo.InvariantCulture);

    /// <summary>A fraction as a percentage with 2 decimals and a % sign.</summary>
    public static string Pct(double fraction) => double.IsNaN(fraction) ? "-" : (fraction * 100).ToString("F2", CultureInfo.InvariantCulture) + "%";

    /// <summary>A fraction as signed percentage points (2 decimals).</summary>
    public static string Pts(double fraction) => double.IsNaN(fraction) ? "-" : (fraction * 100).ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture);

    /// <summary>A fraction as unsigned percentage points (2 decimals).</summary>
    public static string Drop(double fraction) => double.IsNaN(fraction) ? "-" : (fraction * 100).ToString("0.00;-0.00;0.00", CultureInfo.InvariantCulture);

    /// <summary>Four significant digits.</summary>
    public static string G(double v) => double.IsNaN(v) ? "-" : v.ToString("G4", CultureInfo.InvariantCulture);

    /// <summary>Two decimals (overlaps, correlations without sign).</summary>
    public static string F2(double v) => double.IsNaN(v) ? "-" : v.ToString("F2", CultureInfo.InvariantCulture);

    /// <summary>Four decimals (areas under curves).</summary>
    public static string F4(double v) => double.IsNaN(v) ? "-" : v.ToString("F4", CultureInfo.InvariantCulture);

    public static string I(int v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>ρ (p = …).</summary>
    public static string Rp(double r, double p) => double.IsNaN(r) ? "-" : $"{R(r)} (p = {P(p)})";
}
