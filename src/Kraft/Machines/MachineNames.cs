namespace Kraft.Machines;

/// <summary>Random adjective_noun machine names (as KraftKit and Docker give them); the store makes them unique.</summary>
public static class MachineNames
{
    static readonly string[] Adjectives =
    [
        "agile", "bold", "brave", "bright", "calm", "clever", "cool", "crisp", "daring", "eager",
        "fair", "fast", "fierce", "gentle", "glad", "happy", "hardy", "jolly", "keen", "kind",
        "lively", "lucid", "merry", "mighty", "modest", "neat", "nimble", "noble", "patient", "plucky",
        "proud", "quick", "quiet", "rapid", "ready", "sharp", "shiny", "sleek", "smart", "snappy",
        "solid", "spry", "steady", "sturdy", "sunny", "swift", "tidy", "trusty", "vivid", "witty",
    ];

    static readonly string[] Nouns =
    [
        "aye-aye", "baboon", "bonobo", "capuchin", "colobus", "douc", "drill", "galago", "gelada", "gibbon",
        "gorilla", "guenon", "howler", "indri", "langur", "lemur", "loris", "macaque", "mandrill", "mangabey",
        "marmoset", "orangutan", "potto", "saki", "siamang", "sifaka", "tamarin", "tarsier", "titi", "uakari",
    ];

    /// <summary>One of 1,500 names; <see cref="MachineStore.Create"/> retries until it finds a free one.</summary>
    public static string Random() =>
        $"{Adjectives[System.Random.Shared.Next(Adjectives.Length)]}_{Nouns[System.Random.Shared.Next(Nouns.Length)]}";
}
