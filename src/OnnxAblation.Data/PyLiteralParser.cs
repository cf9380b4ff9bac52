using System.Globalization;
using System.Text;

namespace OnnxAblation.Data;

/// <summary>
/// Parses the Python literal subset used in .npy headers: a dict with string keys and values that are
/// strings, True/False/None, integers, or tuples/lists of those. Throws <see cref="FormatException"/> on anything else.
/// </summary>
internal sealed class PyLiteralParser(string text)
{
    /// <summary>The value returned for Python's <c>None</c>.</summary>
    public static readonly object None = new();

    private int _pos;

    public Dictionary<string, object> ParseDict()
    {
        object value = ParseValue();
        SkipSpace();
        if (_pos != text.Length) throw Error("unexpected text after the dict");
        return value as Dictionary<string, object> ?? throw new FormatException("the header is not a dict");
    }

    private object ParseValue()
    {
        SkipSpace();
        if (_pos >= text.Length) throw Error("unexpected end");
        char c = text[_pos];
        if (c == '{') return ParseDictBody();
        if (c is '(' or '[') return ParseSequence(c == '(' ? ')' : ']');
        if (c is '\'' or '"') return ParseString();
        if (c == '-' || char.IsAsciiDigit(c)) return ParseInt();
        if (TryWord("True")) return true;
        if (TryWord("False")) return false;
        if (TryWord("None")) return None;
        throw Error($"unexpected '{c}'");
    }

    private Dictionary<string, object> ParseDictBody()
    {
        _pos++; // {
        var dict = new Dictionary<string, object>(StringComparer.Ordinal);
        while (true)
        {
            SkipSpace();
            if (Peek() == '}') { _pos++; return dict; }
            if (ParseValue() is not string key) throw Error("dict key is not a string");
            SkipSpace();
            if (Peek() != ':') throw Error("expected ':'");
            _pos++;
            dict[key] = ParseValue();
            SkipSpace();
            if (Peek() == ',') _pos++;
            else if (Peek() != '}') throw Error("expected ',' or '}'");
        }
    }

    private List<object> ParseSequence(char close)
    {
        _pos++;
        var items = new List<object>();
        while (true)
        {
            SkipSpace();
            if (Peek() == close) { _pos++; return items; }
            items.Add(ParseValue());
            SkipSpace();
            if (Peek() == ',') _pos++;
            else if (Peek() != close) throw Error($"expected ',' or '{close}'");
        }
    }

    private string ParseString()
    {
        char quote = text[_pos++];
        var sb = new StringBuilder();
        while (_pos < text.Length && text[_pos] != quote)
        {
            if (text[_pos] == '\\' && _pos + 1 < text.Length) _pos++;
            sb.Append(text[_pos++]);
        }
        if (_pos >= text.Length) throw Error("unterminated string");
        _pos++;
        return sb.ToString();
    }

    private long ParseInt()
    {
        int start = _pos;
        if (text[_pos] == '-') _pos++;
        while (_pos < text.Length && char.IsAsciiDigit(text[_pos])) _pos++;
        if (_pos < text.Length && text[_pos] == 'L') _pos++; // Python 2 long suffix
        string digits = text[start.._pos].TrimEnd('L');
        return long.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v)
            ? v
            : throw Error($"bad integer '{digits}'");
    }

    private bool TryWord(string word)
    {
        if (string.CompareOrdinal(text, _pos, word, 0, word.Length) != 0) return false;
        _pos += word.Length;
        return true;
    }

    private char Peek() => _pos < text.Length ? text[_pos] : '\0';

    private void SkipSpace()
    {
        while (_pos < text.Length && char.IsWhiteSpace(text[_pos])) _pos++;
    }

    private FormatException Error(string message) => new($"{message} at character {_pos}");
}
