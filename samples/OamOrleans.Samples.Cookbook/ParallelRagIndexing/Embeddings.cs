namespace OamOrleans.Samples.Cookbook.ParallelRagIndexing;

/// <summary>
/// A stand-in embedding (bag of words hashed with FNV-1a, stable across processes, 64 dimensions) so the sample runs
/// without a model; swap in an
/// <c>IEmbeddingGenerator</c> (Microsoft.Extensions.AI) for real vectors.
/// </summary>
public static class Embeddings
{
    public const int Dimensions = 64;

    public static float[] Embed(string text)
    {
        var vector = new float[Dimensions];
        foreach (var word in text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            vector[(int)(Fnv1a(word.Trim('.', ',', ';', ':').ToLowerInvariant()) % Dimensions)] += 1;
        }

        return vector;
    }

    private static uint Fnv1a(string word)
    {
        var hash = 2166136261;
        foreach (var c in word)
        {
            hash = (hash ^ c) * 16777619;
        }

        return hash;
    }

    public static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }

        return na == 0 || nb == 0 ? 0 : dot / Math.Sqrt(na * nb);
    }
}
