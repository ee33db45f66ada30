using System.Runtime.CompilerServices;
using Gateway.Economy;
using Gateway.Policy.Snapshots;

namespace Gateway.Host.Economy;

/// <summary>A profile's <c>cache:</c> section as the economy's <see cref="CacheSettings"/>: mapped once per compiled profile
/// (profiles are immutable and belong to one snapshot), so the economy never needs the policy layer's types.</summary>
public static class EconomySettings
{
    private static readonly ConditionalWeakTable<CompiledProfile, CacheSettings> Mapped = new();

    public static CacheSettings Of(CompiledProfile profile) => Mapped.GetValue(profile, p => new CacheSettings
    {
        PrefixCache = p.Config.Cache.PrefixCache,
        Ttl = p.Config.Cache.Ttl,
        ResponseCache = p.Config.Cache.ResponseCache,
    });
}
