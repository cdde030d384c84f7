namespace OamOrleans.Samples.Cookbook.ParallelRagIndexing;

/// <summary>The reference's chunk rule: paragraphs are split on blank lines; chunk i of n takes an equal share, the last the rest.</summary>
public static class Paragraphs
{
    public static async Task<IReadOnlyList<string>> ReadAsync(Stream document)
    {
        using var reader = new StreamReader(document);
        var text = (await reader.ReadToEndAsync()).ReplaceLineEndings("\n");
        return [.. text.Split("\n\n").Select(p => p.Trim()).Where(p => p.Length > 0)];
    }

    public static IReadOnlyList<string> Slice(IReadOnlyList<string> paragraphs, int chunkIndex, int chunkCount)
    {
        var size = Math.Max(1, paragraphs.Count / chunkCount);
        var start = chunkIndex * size;
        var end = chunkIndex == chunkCount - 1 ? paragraphs.Count : Math.Min(paragraphs.Count, start + size);
        return start >= end ? [] : paragraphs.Skip(start).Take(end - start).ToArray();
    }
}
