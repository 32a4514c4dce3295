"""The public record: archive pages, open-data exports, Akoma Ntoso, feeds, the static archive."""
