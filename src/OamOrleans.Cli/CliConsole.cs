using System.CommandLine;
using System.Text;

namespace OamOrleans.Cli;

/// <summary>
/// The standard streams of one <c>oam</c> run. Text goes through System.CommandLine's configured writers
/// (<see cref="InvocationConfiguration.Output"/> and <see cref="InvocationConfiguration.Error"/>: the console by default),
/// so the whole CLI can run in-process with captured output. Stdin is the process's unless the run is an
/// <see cref="OamInvocation"/> that brings its own.
/// </summary>
internal static class CliConsole
{
    public static TextWriter Stdout(this ParseResult parse) => parse.InvocationConfiguration.Output;

    public static TextWriter Stderr(this ParseResult parse) => parse.InvocationConfiguration.Error;

    /// <summary>Whether there is piped input to read: the run's own input, else a redirected process stdin (never a terminal).</summary>
    public static bool HasInput(this ParseResult parse) =>
        parse.InvocationConfiguration is OamInvocation { Input: not null } || Console.IsInputRedirected;

    /// <summary>All of stdin as text; null when there is nothing piped.</summary>
    public static async Task<string?> ReadInputAsync(this ParseResult parse, CancellationToken ct)
    {
        if (parse.InvocationConfiguration is OamInvocation { Input: { } input })
        {
            return await input.ReadToEndAsync(ct);
        }

        return Console.IsInputRedirected ? await Console.In.ReadToEndAsync(ct) : null;
    }

    /// <summary>Stdin as bytes (<c>workspace put</c>): the process's raw stream, or the run's input as UTF-8.</summary>
    public static async Task<Stream> OpenInputAsync(this ParseResult parse, CancellationToken ct) =>
        parse.InvocationConfiguration is OamInvocation { Input: { } input }
            ? new MemoryStream(Encoding.UTF8.GetBytes(await input.ReadToEndAsync(ct)), writable: false)
            : Console.OpenStandardInput();

    /// <summary>Stdout as bytes (<c>workspace get</c>): the process's raw stream when stdout is the console, else UTF-8 text to the configured writer.</summary>
    public static Stream OpenOutput(this ParseResult parse) =>
        ReferenceEquals(parse.Stdout(), Console.Out) ? Console.OpenStandardOutput() : new Utf8WriterStream(parse.Stdout());

    /// <summary>Whether <paramref name="writer"/> is a terminal (progress bars redraw in place, the demo waits for Ctrl-C).</summary>
    public static bool IsTerminal(TextWriter writer) =>
        ReferenceEquals(writer, Console.Out) ? !Console.IsOutputRedirected
        : ReferenceEquals(writer, Console.Error) && !Console.IsErrorRedirected;

    /// <summary>A write-only stream that decodes UTF-8 into a text writer.</summary>
    private sealed class Utf8WriterStream(TextWriter writer) : Stream
    {
        private readonly Decoder _decoder = Encoding.UTF8.GetDecoder();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            var chars = new char[_decoder.GetCharCount(buffer, flush: false)];
            var written = _decoder.GetChars(buffer, chars, flush: false);
            writer.Write(chars, 0, written);
        }

        public override void Flush() => writer.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}

/// <summary>
/// An invocation with its own stdin, for running <c>oam</c> in-process (tests): <see cref="Input"/> is read where the
/// tool reads piped input; null reads the process's stdin as the real tool does.
/// </summary>
internal sealed class OamInvocation : InvocationConfiguration
{
    public TextReader? Input { get; init; }
}
