// The business date (营业日) as the header shows it; pages that move it (EOD) update it here.
import { ref } from 'vue'

export const businessDate = ref('')
