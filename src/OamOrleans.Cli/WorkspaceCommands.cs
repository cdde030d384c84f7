using System.CommandLine;
using System.Diagnostics;
using OamOrleans.Client;

namespace OamOrleans.Cli;

/// <summary>
/// <c>oam workspace</c>: artifacts in the object store <c>mesh-artifacts</c> (§6.1) through the mesh client's
/// <c>Workspace</c>, with a progress display on stderr for large transfers.
/// </summary>
internal static class WorkspaceCommands
{
    /// <summary>Transfers at least this large show progress on an interactive terminal.</summary>
    private const long LargeTransfer = 1024 * 1024;

    public static Command Build() => new("workspace", "Put, get and remove artifacts in the workspace (object store mesh-artifacts).")
    {
        Put(),
        Get(),
        Remove(),
    };

    private static Argument<string> KeyArgument() => new("KEY") { Description = "Object key; '/' hierarchy recommended, e.g. run-1/step-2/report.md." };

    private static Option<bool> ProgressOption() => new("--progress")
    {
        Description = "Always show progress on stderr (default: only for transfers of 1 MiB or more on a terminal).",
    };

    private static Command Put()
    {
        var key = KeyArgument();
        var file = new Argument<string?>("FILE") { Description = "File to upload; '-' or omitted reads stdin.", Arity = ArgumentArity.ZeroOrOne };
        var progress = ProgressOption();
        var command = new Command("put", "Upload a file (or stdin) under a key.") { key, file, progress };
        OamCli.SetAction(command, async (parse, ct) =>
        {
            var name = parse.GetValue(key)!;
            var path = parse.GetValue(file);
            Stream source;
            if (path is null or "-")
            {
                if (path is null && !parse.HasInput())
                {
                    throw new UsageException("Give a FILE or pipe the content on stdin.");
                }

                source = await parse.OpenInputAsync(ct);
            }
            else
            {
                if (!File.Exists(path))
                {
                    throw new UsageException($"File not found: {path}");
                }

                source = File.OpenRead(path);
            }

            await using (source)
            {
                await using var client = await OamCli.ConnectAsync(parse, ct);
                var total = source.CanSeek ? source.Length : (long?)null;
                using var display = ProgressDisplay.For(parse.Stderr(), "put", name, total, parse.GetValue(progress));
                var stored = await client.Workspace.PutAsync(name, source, display, ct);
                display?.Complete(stored.Size);
                parse.Stdout().WriteLine($"Stored {stored.Key} ({CliOutput.Size(stored.Size)}, {stored.Chunks} chunks, {stored.Digest})");
            }

            return OamCli.Ok;
        });
        return command;
    }

    private static Command Get()
    {
        var key = KeyArgument();
        var output = new Option<string?>("--output", "-o") { Description = "Write to this file instead of stdout." };
        var progress = ProgressOption();
        var command = new Command("get", "Download an object to a file or stdout.") { key, output, progress };
        OamCli.SetAction(command, async (parse, ct) =>
        {
            var name = parse.GetValue(key)!;
            var path = parse.GetValue(output);
            await using var client = await OamCli.ConnectAsync(parse, ct);
            var info = await client.Workspace.GetInfoAsync(name, ct)
                ?? throw new NotFoundException($"Object '{name}' not found in {Protocol.MeshBuckets.Artifacts}");
            using var display = ProgressDisplay.For(parse.Stderr(), "get", name, info.Size, parse.GetValue(progress));
            if (path is null or "-")
            {
                await using var stdout = parse.OpenOutput();
                await client.Workspace.GetAsync(name, stdout, display, ct);
                await stdout.FlushAsync(ct);
                display?.Complete(info.Size);
                return OamCli.Ok;
            }

            // Write next to the target and move it in place only when the download (and its digest check) succeeded.
            var full = Path.GetFullPath(path);
            var partial = full + ".partial";
            try
            {
                await using (var sink = File.Create(partial))
                {
                    await client.Workspace.GetAsync(name, sink, display, ct);
                }

                File.Move(partial, full, overwrite: true);
            }
            finally
            {
                if (File.Exists(partial))
                {
                    File.Delete(partial);
                }
            }

            display?.Complete(info.Size);
            parse.Stdout().WriteLine($"Wrote {path} ({CliOutput.Size(info.Size)})");
            return OamCli.Ok;
        });
        return command;
    }

    private static Command Remove()
    {
        var key = KeyArgument();
        var command = new Command("rm", "Delete an object.") { key };
        OamCli.SetAction(command, async (parse, ct) =>
        {
            var name = parse.GetValue(key)!;
            await using var client = await OamCli.ConnectAsync(parse, ct);
            await client.Workspace.DeleteAsync(name, ct);
            parse.Stdout().WriteLine($"Deleted {name}");
            return OamCli.Ok;
        });
        return command;
    }

    /// <summary>
    /// Progress on stderr: a bar redrawn in place on a terminal (at most 10 times a second), or a line per 10 % when
    /// forced with <c>--progress</c> on a non-terminal. Stdout stays clean for the data itself.
    /// </summary>
    private sealed class ProgressDisplay : IProgress<WorkspaceProgress>, IDisposable
    {
        private readonly TextWriter _stderr;
        private readonly string _verb;
        private readonly string _key;
        private readonly bool _interactive;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly object _gate = new();
        private long _lastDraw = -1000;
        private int _lastDecile = -1;
        private bool _done;

        private ProgressDisplay(TextWriter stderr, string verb, string key, bool interactive)
        {
            _stderr = stderr;
            _verb = verb;
            _key = key;
            _interactive = interactive;
        }

        public static ProgressDisplay? For(TextWriter stderr, string verb, string key, long? total, bool forced)
        {
            var interactive = CliConsole.IsTerminal(stderr);
            var large = total is null || total >= LargeTransfer;
            return forced || (interactive && large) ? new ProgressDisplay(stderr, verb, key, interactive) : null;
        }

        public void Report(WorkspaceProgress value)
        {
            lock (_gate)
            {
                if (_done)
                {
                    return;
                }

                if (_interactive)
                {
                    var now = _clock.ElapsedMilliseconds;
                    if (now - _lastDraw < 100)
                    {
                        return;
                    }

                    _lastDraw = now;
                    _stderr.Write("\r" + Line(value.BytesTransferred, value.TotalBytes));
                    return;
                }

                var decile = value.TotalBytes is > 0 and var t ? (int)(value.BytesTransferred * 10 / t) : -1;
                if (decile > _lastDecile && decile < 10)
                {
                    _lastDecile = decile;
                    _stderr.WriteLine(Line(value.BytesTransferred, value.TotalBytes));
                }
            }
        }

        public void Complete(long size)
        {
            lock (_gate)
            {
                if (_done)
                {
                    return;
                }

                _done = true;
                var line = Line(size, size);
                _stderr.WriteLine(_interactive ? "\r" + line : line);
            }
        }

        public void Dispose()
        {
            lock (_gate)
            {
                if (!_done && _interactive && _lastDraw >= 0)
                {
                    _stderr.WriteLine();
                }

                _done = true;
            }
        }

        private string Line(long done, long? total)
        {
            var seconds = Math.Max(_clock.Elapsed.TotalSeconds, 0.001);
            var rate = CliOutput.Size((long)(done / seconds)) + "/s";
            if (total is > 0 and var t)
            {
                var fraction = Math.Clamp((double)done / t, 0, 1);
                const int width = 30;
                var filled = (int)Math.Round(fraction * width);
                var bar = new string('#', filled) + new string('.', width - filled);
                return $"{_verb} {_key} [{bar}] {fraction * 100,3:0}% {CliOutput.Size(done)}/{CliOutput.Size(t)} {rate}";
            }

            return $"{_verb} {_key} {CliOutput.Size(done)} {rate}";
        }
    }
}
