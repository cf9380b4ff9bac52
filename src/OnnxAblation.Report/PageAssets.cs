namespace OnnxAblation.Report;

/// <summary>The page's style sheet and its one script (table sorting), inlined so the page works offline.</summary>
internal static class PageAssets
{
    public const string Css = """
        body{font-family:"DejaVu Sans",system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
        header{background:#1d3557;color:#fff;padding:12px 24px}header h1{margin:0;font-size:1.4em}
        nav{padding:6px 24px;background:#e9eef5;position:sticky;top:0;z-index:2;font-size:.9em}nav a{margin-right:14px}
        main{padding:0 24px 40px;max-width:1400px}
        h2{border-bottom:2px solid #1d3557;padding-top:18px}h3{margin-top:26px}
        .cards{display:flex;flex-wrap:wrap;gap:12px}.card{background:#fff;border:1px solid #ccd;border-radius:6px;padding:8px 14px;min-width:220px}
        .card b{font-size:1.6em;display:block}
        table{border-collapse:collapse;margin:8px 0;background:#fff;font-size:.85em}
        th,td{border:1px solid #ccd;padding:2px 6px}td.num{text-align:right;font-variant-numeric:tabular-nums}
        table.sortable th{cursor:pointer;background:#e9eef5;user-select:none}
        table.sortable th[data-dir=asc]::after{content:" ▲"}table.sortable th[data-dir=desc]::after{content:" ▼"}
        table.heat td{width:34px;height:18px;text-align:center;font-size:.75em;padding:0;border:1px solid #fff}
        table.heat th{font-size:.75em;font-weight:normal;padding:0 3px;background:#fff;border:none}
        table.heat td.dark{color:#fff}
        .legend{display:flex;align-items:center;gap:8px;font-size:.8em;margin:4px 0 10px}
        .legend span.bar{display:inline-block;width:260px;height:12px;border:1px solid #999}
        figure{display:inline-block;margin:6px;vertical-align:top;background:#fff;border:1px solid #dde}
        figure img{display:block;max-width:100%}figcaption{font-size:.8em;padding:2px 6px;max-width:560px}
        details{margin:8px 0}summary{cursor:pointer;font-weight:bold}
        .note{color:#555;font-size:.9em}
        """;

    /// <summary>Click a header: sort by that column (numbers by their exact data-v value, text otherwise); again: reverse.</summary>
    public const string Script = """
        document.querySelectorAll('table.sortable').forEach(function (table) {
          table.querySelectorAll('th').forEach(function (th, col) {
            th.addEventListener('click', function () {
              var asc = th.dataset.dir !== 'asc';
              table.querySelectorAll('th').forEach(function (h) { delete h.dataset.dir; });
              th.dataset.dir = asc ? 'asc' : 'desc';
              var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
              function key(row) {
                var cell = row.cells[col], v = cell.dataset.v;
                if (v !== undefined) return v === '' ? NaN : parseFloat(v);
                return cell.textContent.trim().toLowerCase();
              }
              rows.sort(function (x, y) {
                var a = key(x), b = key(y), r;
                if (typeof a === 'number' && typeof b === 'number') {
                  if (isNaN(a) || isNaN(b)) r = isNaN(a) - isNaN(b); else r = a - b;
                  return asc || isNaN(a) || isNaN(b) ? r : -r;
                }
                r = String(a).localeCompare(String(b), undefined, { numeric: true });
                return asc ? r : -r;
              });
              rows.forEach(function (row) { body.appendChild(row); });
            });
          });
        });
        """;
}
