// The widget's words in each language it speaks, in the order of keys.
// Dates and times come from Intl in the reader's language and zone.
const keys = ["live", "interval", "finished", "postponed", "cancelled", "goal", "pause", "resume"];
const table = {
  en: "Live|Break|Full time|Postponed|Cancelled|Goal!|Pause live updates|Resume live updates",
  fr: "En direct|Pause|Terminé|Reporté|Annulé|But !|Suspendre le direct|Reprendre le direct",
  es: "En directo|Descanso|Final|Aplazado|Cancelado|¡Gol!|Pausar el directo|Reanudar el directo",
  de: "Live|Pause|Beendet|Verschoben|Abgesagt|Tor!|Live-Ticker anhalten|Live-Ticker fortsetzen",
  it: "In diretta|Intervallo|Finale|Rinviata|Annullata|Gol!|Sospendi la diretta|Riprendi la diretta",
  pt: "Ao vivo|Intervalo|Encerrado|Adiado|Cancelado|Gol!|Pausar ao vivo|Retomar ao vivo",
};

// words returns the words of language tag lang ("fr-CA" speaks French),
// English for a language it does not speak.
export function words(lang) {
  const w = (table[lang.slice(0, 2).toLowerCase()] || table.en).split("|");
  return Object.fromEntries(keys.map((k, i) => [k, w[i]]));
}
