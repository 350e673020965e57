"""WagwEU meldloket (posted workers): figures published by the minister of SZW in letters to parliament."""
